import { describe, expect, it } from 'vitest';
import { envelopesOfSocketIoEvent, envelopesOfWsFrame, socketIoBatchOption, wsBatchOption } from './batched-delivery.ts';

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

describe('reading what arrives', () => {
  const raw = (r: string | (() => string)) => (typeof r === 'string' ? r : r());

  it('reads a /ws frame as its envelope, or a batch as its envelopes, what is not one as unparseable', () => {
    expect(envelopesOfWsFrame('{"type":"pong"}', true).map((i) => [i.envelope, raw(i.raw)])).toEqual([[{ type: 'pong' }, '{"type":"pong"}']]);
    expect(envelopesOfWsFrame('[{"type":"pong"},7]', true).map((i) => [i.envelope, raw(i.raw)])).toEqual([
      [{ type: 'pong' }, '{"type":"pong"}'],
      [{ type: '(unparseable)', raw: '7' }, '7'],
    ]);
    // not asked for batches: an array is not an envelope
    expect(envelopesOfWsFrame('[{"type":"pong"}]', false).map((i) => i.envelope)).toEqual([{ type: '(unparseable)', raw: '[{"type":"pong"}]' }]);
    expect(envelopesOfWsFrame('not json {', true).map((i) => i.envelope)).toEqual([{ type: '(unparseable)', raw: 'not json {' }]);
  });

  it('reads a Socket.IO event as its argument named by the event, or a batch event as its envelopes', () => {
    expect(envelopesOfSocketIoEvent('pong', { message_id: 'p' }, true).map((i) => [i.envelope, raw(i.raw)])).toEqual([
      [{ type: 'pong', message_id: 'p' }, '{"message_id":"p"}'],
    ]);
    expect(envelopesOfSocketIoEvent('odd', 3, false).map((i) => i.envelope)).toEqual([{ type: 'odd', payload: 3 }]);
    expect(envelopesOfSocketIoEvent('batch', [{ type: 'pong' }, 'x'], true).map((i) => i.envelope)).toEqual([
      { type: 'pong' },
      { type: '(unparseable)', raw: '"x"' },
    ]);
    expect(envelopesOfSocketIoEvent('batch', { type: 'pong' }, true).map((i) => i.envelope)).toEqual([{ type: '(unparseable)', raw: '{"type":"pong"}' }]);
  });
});
