/** Protocol limits (protocol.md §3). */
export const MAX_MESSAGE_BYTES = 8192;

export const USER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Maximum JSON nesting accepted by the parser before it refuses the input. */
export const MAX_JSON_DEPTH = 64;

const encoder = new TextEncoder();

/** UTF-8 byte length of a string, identical in Node and the browser. */
export function utf8ByteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * Size of an inbound message as the protocol measures it: the UTF-8 bytes of the text as
 * received, or of `JSON.stringify` of an object (Socket.IO may deliver either).
 */
export function inboundMessageBytes(raw: unknown): number {
  if (typeof raw === 'string') return utf8ByteLength(raw);
  try {
    const text = JSON.stringify(raw);
    return text === undefined ? 0 : utf8ByteLength(text);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
