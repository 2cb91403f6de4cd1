/**
 * The ids the backend makes (messages, runs, the threads it starts): the prefix, `_` and 32 hex
 * digits, as always, in the order they were made (UUIDv7's idea): 12 digits of the clock's
 * milliseconds, 4 of a counter within the millisecond (starting at a random value each
 * millisecond, so an id does not tell how many others were made in its millisecond), 16 digits
 * taken from a random UUID (62 random bits: the first is the UUID's variant digit). Every
 * index keyed by such an id (the runs' and messages' ids, a run's message, the events by run)
 * then takes new rows at its right edge, the same few pages for a whole batch of messages, where
 * random ids sent each new row to a page of its own (issue 19: the WAL frames a commit writes,
 * about 9 pages per message, were most of the commit's time, and with a long history the pages
 * to read first). Within a process the ids increase strictly, even if the clock steps back; ids
 * are opaque to clients (docs/protocol.md, "Runs and events"), and a run still belongs to its user
 * (cancel, resume and the REST routes check the owner, never the id's secrecy).
 */
import { randomInt, randomUUID } from 'node:crypto';

let lastMs = 0;
let lastMsHex = '';
let counter = 0;

/** The counter's start in a new millisecond: random in the lower half, so 32,768 ids at least fit after it. */
const randomStart = () => randomInt(0x8000);

export function orderedId(prefix: string, now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    lastMsHex = '';
    counter = randomStart();
  } else if (++counter > 0xffff) {
    // the counter ran out in this millisecond: borrow the next one
    lastMs++;
    lastMsHex = '';
    counter = randomStart();
  }
  if (lastMsHex === '') lastMsHex = lastMs.toString(16).padStart(12, '0');
  // randomUUID draws from a cached pool of entropy
  const random = randomUUID();
  return `${prefix}_${lastMsHex}${counter.toString(16).padStart(4, '0')}${random.slice(19, 23)}${random.slice(24)}`;
}
