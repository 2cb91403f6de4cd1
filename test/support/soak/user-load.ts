/**
 * Load of one user for the soak phases: a plain WebSocket that reconnects by itself, sends a
 * user_message every `intervalMs` (unique message_id), and sends again, with the same id,
 * every message that got no ack yet (the server de-duplicates by message_id), so a message
 * counts as accepted exactly when its ack arrived. Only 127.0.0.1 targets.
 */
import WebSocket from 'ws';
import { isLoopbackHost } from '../../../backend/net/loopback.ts';

export interface UserLoadOptions {
  userId: string;
  token: string;
  intervalMs: number;
  /** The script of the n-th message (scripted agent), or null for the default agent. */
  script?: (n: number) => unknown[] | null;
}

type Envelope = { type: string; run_id?: string; seq?: number; message_id?: string; payload?: Record<string, unknown> };

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!isLoopbackHost(host)) throw new Error(`soak targets 127.0.0.1 only, not ${host}`);
}

export class UserLoad {
  /** message_id → run_id of every acknowledged message. */
  readonly acked = new Map<string, string>();
  /** Acked after this time (ms), per message id: to see that clients recovered. */
  readonly ackedAt = new Map<string, number>();
  /** Sent and not acknowledged (yet). */
  readonly unacked = new Set<string>();
  readonly errors = new Map<string, number>();
  /** Seqs received per run, in arrival order. */
  readonly seqs = new Map<string, number[]>();
  #n = 0;
  #ws: WebSocket | null = null;
  #url = '';
  #timer: NodeJS.Timeout | null = null;
  #sending = true;
  #stopped = true;

  constructor(private readonly options: UserLoadOptions) {}

  /** Connects to `url` (a new one after a restart) and sends. */
  start(url: string): void {
    assertLoopback(url);
    this.#url = url;
    this.#stopped = false;
    this.#sending = true;
    this.#connect();
    this.#timer ??= setInterval(() => this.#tick(), this.options.intervalMs);
  }

  /** Stops sending new messages; unacked ones are still sent again until stop(). */
  quiesce(): void {
    this.#sending = false;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#ws?.terminate();
    this.#ws = null;
  }

  get sent(): number {
    return this.#n;
  }

  #connect(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(`${this.#url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(this.options.token)}`);
    this.#ws = ws;
    ws.on('open', () => {
      for (const id of this.unacked) this.#send(id);
    });
    ws.on('message', (data) => this.#onMessage(JSON.parse(String(data)) as Envelope));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (this.#ws === ws) this.#ws = null;
      if (!this.#stopped) setTimeout(() => this.#ws ?? this.#connect(), 100);
    });
  }

  #tick(): void {
    if (this.#sending) {
      this.#n += 1;
      const id = `${this.options.userId}-m${this.#n}`;
      this.unacked.add(id);
      this.#send(id);
    }
    // every few ticks, send the unacknowledged again (an UNAVAILABLE answer, a lost ack)
    if (this.#n % 5 === 0) for (const id of this.unacked) this.#send(id);
  }

  #send(id: string): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const n = Number(id.slice(id.lastIndexOf('m') + 1));
    const script = this.options.script?.(n) ?? null;
    const payload = script ? { content: `soak ${id}`, agent: 'scripted', script } : { content: `what is ${n} + ${n % 7}?` };
    ws.send(JSON.stringify({ type: 'user_message', message_id: id, payload }));
  }

  #onMessage(e: Envelope): void {
    if (e.type === 'message_ack' && e.message_id) {
      if (!this.acked.has(e.message_id)) {
        this.acked.set(e.message_id, String(e.payload?.run_id));
        this.ackedAt.set(e.message_id, Date.now());
      }
      this.unacked.delete(e.message_id);
      return;
    }
    if (e.type === 'error') {
      const code = String(e.payload?.code);
      this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
      return;
    }
    if (e.run_id && typeof e.seq === 'number') {
      const list = this.seqs.get(e.run_id) ?? [];
      list.push(e.seq);
      this.seqs.set(e.run_id, list);
    }
  }
}

/** A short scripted run (a thought, a tool with a delay, a reply): mid-flight when cut. */
export function shortScript(n: number): unknown[] | null {
  if (n % 3 === 0) return null; // every third message goes to the default agent
  return [{ think: `thinking ${n}` }, { tool: 'wait', args: { n }, result: n, delay_ms: 50 + (n % 5) * 40 }, { respond: `done ${n}` }];
}
