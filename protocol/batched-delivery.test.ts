import { describe, expect, it } from 'vitest';
import { socketIoBatchOption, wsBatchOption } from './batched-delivery.ts';

describe('the batch option', () => {
  it('reads /ws?batch= as on, off or refused', () => {
    for (const on of ['1', 'true']) expect(wsBatchOption(on)).toEqual({ ok: true, batch: true });
    for (const off of [null, undefined, '', '0', 'false']) expect(wsBatchOption(off)).toEqual({ ok: true, batch: false });
    const refused = wsBatchOption('yes');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toBe('batch: 1, true, 0 or false (got "yes").');
  });

  it('reads Socket.IO auth.batch as on, off or refused', () => {
    expect(socketIoBatchOption(true)).toEqual({ ok: true, batch: true });
    expect(socketIoBatchOption(false)).toEqual({ ok: true, batch: false });
    expect(socketIoBatchOption(undefined)).toEqual({ ok: true, batch: false });
    const refused = [socketIoBatchOption('true'), socketIoBatchOption(1)];
    expect(refused.map((r) => !r.ok && r.message)).toEqual(['auth.batch: true or false (got "true").', 'auth.batch: true or false (got number).']);
  });
});
