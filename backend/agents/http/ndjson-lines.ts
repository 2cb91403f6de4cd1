/**
 * Splits a byte stream into NDJSON lines. Lines end with LF (a CR before it is dropped);
 * the split is on bytes, so a UTF-8 character or a line cut across chunks is put back
 * together, and each whole line is decoded strictly (invalid UTF-8 is an error, not U+FFFD).
 * A last line without LF counts. Blank lines are skipped but counted, so line numbers are
 * the ones an editor shows. A line longer than `maxLineBytes` fails as soon as it is seen
 * to be (the rest is not buffered).
 */

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

export interface NdjsonLine {
  /** 1-based, blank lines included. */
  number: number;
  text: string;
}

export class NdjsonLineError extends Error {
  constructor(
    readonly lineNumber: number,
    message: string,
  ) {
    super(message);
    this.name = 'NdjsonLineError';
  }
}

const LF = 0x0a;
const CR = 0x0d;

export class NdjsonSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private lineNumber = 0;

  constructor(private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {}

  /**
   * The lines `chunk` completes, in order. Throws NdjsonLineError when it reaches a line
   * too long or not UTF-8 (the lines before it have been yielded).
   */
  *push(chunk: Uint8Array): Generator<NdjsonLine> {
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, start)) {
      this.take(chunk.subarray(start, lf));
      start = lf + 1;
      const line = this.finishLine();
      if (line) yield line;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** The last line, when the stream ended without a final LF. */
  *end(): Generator<NdjsonLine> {
    if (this.pendingBytes === 0) return;
    const line = this.finishLine();
    if (line) yield line;
  }

  /** The number of the last line seen (0 before any). */
  get linesSeen(): number {
    return this.lineNumber;
  }

  private take(part: Uint8Array): void {
    if (part.length === 0) return;
    // A CR just before the LF is not content; count it against the limit all the same.
    if (this.pendingBytes + part.length > this.maxLineBytes + 1) {
      throw new NdjsonLineError(this.lineNumber + 1, `line ${this.lineNumber + 1} is longer than ${this.maxLineBytes} bytes`);
    }
    // Copy: the chunk's buffer may be reused by the stream.
    this.pending.push(part.slice());
    this.pendingBytes += part.length;
  }

  /** The pending bytes as a line, or undefined for a blank one. */
  private finishLine(): NdjsonLine | undefined {
    this.lineNumber += 1;
    let bytes = this.pending.length === 1 ? (this.pending[0] as Uint8Array) : concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.maxLineBytes) {
      throw new NdjsonLineError(this.lineNumber, `line ${this.lineNumber} is longer than ${this.maxLineBytes} bytes`);
    }
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      throw new NdjsonLineError(this.lineNumber, `line ${this.lineNumber} is not valid UTF-8`);
    }
    return text.trim() === '' ? undefined : { number: this.lineNumber, text };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
