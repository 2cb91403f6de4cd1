/**
 * Process-wide I/O counters, bumped on the hot path by the store and cache adapters (plain
 * integer increments, nothing else) and exported at `/metrics` (backend-metrics.ts), so the
 * benchmark can print per-message counts and a regression shows as a number:
 *
 * - `storeStatements`: SQL statements sent to the database (SQLite: prepared statements run;
 *   PostgreSQL: queries, BEGIN and COMMIT included: each is a round trip);
 * - `storeTransactions`: transactions committed or rolled back (a SQLite batch is one;
 *   a PostgreSQL statement outside BEGIN is one too);
 * - `cacheRoundTrips`: requests to a cache server (a pipeline of several commands is one).
 *   The in-process cache makes none.
 * - `storeCheckpoints`: SQLite WAL checkpoints run by the checkpoint worker, off the event loop
 *   (sqlite-checkpointer.ts); PostgreSQL none.
 *
 * Per process, not per backend: two backends in one process (tests) share them.
 */
export const ioCounters = {
  storeStatements: 0,
  storeTransactions: 0,
  cacheRoundTrips: 0,
  storeCheckpoints: 0,
};
