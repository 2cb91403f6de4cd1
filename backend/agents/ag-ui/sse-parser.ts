/**
 * A Server-Sent Events parser (the WHATWG event-stream rules) for bytes as they arrive:
 * lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
 * next are one line end); `data:` lines of one event are joined with LF; a line starting
 * with `:` is a comment (keep-alive) and skipped; `event:` and `id:` are kept; a blank line
 * dispatches the event (an event without `data` is dropped, as browsers do); one leading
 * space after the colon is removed; a leading BOM is skipped. Bytes are decoded strictly
 * as UTF-8 across chunk boundaries. One event longer than `maxEventBytes` characters is an error as
 * soon as it is seen to be (the rest is not buffered).
 */

export interface SseEvent {
  /** The `event:` field, `message` when none was given. */
  event: string;
  /** The `data:` lines joined with LF. */
  data: string;
  /** The last `id:` seen (the stream's last event id), if any. */
  id?: string | undefined;
  /** 1-based number of the event in the stream (events without data are not counted). */
  number: number;
}

export class SseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseParseError';
  }
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private buffer = '';
  private afterCr = false;
  private data: string[] = [];
  private dataChars = 0;
  private eventName = '';
  private lastId: string | undefined;
  private count = 0;

  constructor(private readonly maxEventBytes: number) {}

  /** Events dispatched so far. */
  get eventsSeen(): number {
    return this.count;
  }

  /** The events `chunk` completes, in order. Throws SseParseError for invalid UTF-8 or an event too large. */
  *push(chunk: Uint8Array): Generator<SseEvent> {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      throw new SseParseError(`the stream is not valid UTF-8 (after event ${this.count})`);
    }
    yield* this.feed(text);
  }

  /** The end of the stream: an event not followed by a blank line is dropped (the spec's rule). */
  *end(): Generator<SseEvent> {
    try {
      const rest = this.decoder.decode();
      if (rest !== '') yield* this.feed(rest);
    } catch {
      throw new SseParseError(`the stream is not valid UTF-8 (after event ${this.count})`);
    }
  }

  private *feed(text: string): Generator<SseEvent> {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a && this.afterCr && i === start && this.buffer === '') {
        // The LF of a CRLF split across chunks (or right after the CR).
        this.afterCr = false;
        start = i + 1;
        continue;
      }
      this.afterCr = false;
      if (c !== 0x0a && c !== 0x0d) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = '';
      if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        else this.afterCr = true;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) yield event;
    }
    this.buffer += text.slice(start);
    if (this.buffer.length + this.dataChars > this.maxEventBytes) this.tooLarge();
  }

  private tooLarge(): never {
    throw new SseParseError(`event ${this.count + 1} is longer than ${this.maxEventBytes} characters`);
  }

  private line(raw: string): SseEvent | undefined {
    const line = this.count === 0 && this.data.length === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.dataChars += value.length + 1;
      if (this.dataChars > this.maxEventBytes) this.tooLarge();
    } else if (field === 'event') {
      this.eventName = value;
    } else if (field === 'id') {
      if (!value.includes('\0')) this.lastId = value;
    }
    // `retry` and unknown fields are ignored.
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const data = this.data;
    const name = this.eventName;
    this.data = [];
    this.dataChars = 0;
    this.eventName = '';
    if (data.length === 0) return undefined;
    this.count += 1;
    return { event: name === '' ? 'message' : name, data: data.join('\n'), id: this.lastId, number: this.count };
  }
}
