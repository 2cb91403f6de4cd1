/**
 * The ids the backend makes (messages, runs, threads): the prefix, `_` and 32 hex digits, as
 * always, in the order they were made (UUIDv7's idea): 12 digits of the clock's milliseconds, 4
 * of a counter within the millisecond, 16 random. Every index keyed by such an id (the runs' and
 * messages' ids, a run's message, the events by run) then takes new rows at its right edge, the
 * same few pages for a whole batch of messages, where random ids sent each new row to a page of
 * its own (issue 19: the WAL frames a commit writes, about 9 pages per message, were most of the
 * commit's time, and with a long history the pages to read first). Within a process the ids
 * increase strictly, even if the clock steps back; ids stay opaque to clients (docs/protocol.md),
 * and a run still belongs to its user (cancel and resume check the owner, not the id's secrecy).
 */
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let lastMsHex = '';
let counter = 0;

export function orderedId(prefix: string, now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    lastMsHex = '';
    counter = 0;
  } else if (++counter > 0xffff) {
    // 65,536 ids in one millisecond: borrow the next one
    lastMs++;
    lastMsHex = '';
    counter = 0;
  }
  if (lastMsHex === '') lastMsHex = lastMs.toString(16).padStart(12, '0');
  // randomUUID draws from a cached pool of entropy; its last 16 digits (after the variant's
  // first) are random
  const random = randomUUID();
  return `${prefix}_${lastMsHex}${counter.toString(16).padStart(4, '0')}${random.slice(19, 23)}${random.slice(24)}`;
}
