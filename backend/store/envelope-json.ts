/**
 * An envelope's JSON text, made once: the store writes it (events.envelope) and the event
 * publisher puts the same text on the bus, so a run event is serialised once for both.
 * Envelopes are not changed after they are built (persisted before emitted: what is sent is
 * what was stored), which is what makes the memo safe.
 */
const texts = new WeakMap<object, string>();

export function envelopeJson(envelope: object): string {
  let text = texts.get(envelope);
  if (text === undefined) {
    text = JSON.stringify(envelope);
    texts.set(envelope, text);
  }
  return text;
}
