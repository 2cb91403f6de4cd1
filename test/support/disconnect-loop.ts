/**
 * Forced disconnects with resume, against a real backend on 127.0.0.1 (the resume test and
 * `npm run soak`): each user keeps a scripted run going, reads a few of its events on a plain
 * WebSocket, destroys the socket without a close handshake, reconnects and sends `resume`
 * with the last seq it saw. Checks that the events of every run, as the user received them
 * over all its connections, are each seq exactly once, in seq order, ending with one
 * agent_completed. Bounded by a count of disconnects and a deadline.
 */
import WebSocket from 'ws';

export interface DisconnectLoopOptions {
  url: string;
  mintToken(userId: string): Promise<string>;
  users: number;
  /** Total forced disconnects over all users. */
  disconnects: number;
  deadlineMs: number;
  /** Prefix of the user ids (default `resume-user`). */
  userPrefix?: string;
}

export interface DisconnectLoopResult {
  disconnects: number;
  runsCompleted: number;
  eventsChecked: number;
  /** One line per violation (duplicate, out of order, gap, missing end). */
  problems: string[];
  elapsedMs: number;
}

type Envelope = { type: string; run_id?: string; seq?: number; message_id?: string; payload?: Record<string, unknown> };

/** Steps of one run: thoughts and short tool delays, ~150 events over ~0.5 s. */
function script(n: number): unknown[] {
  const steps: unknown[] = [];
  for (let i = 0; i < 48; i++) {
    steps.push(i % 2 === 0 ? { think: `step ${i} of run ${n}` } : { tool: 'tick', args: { i }, result: i, delay_ms: 4 });
  }
  steps.push({ respond: `run ${n} done` });
  return steps;
}

/** The highest seq n such that 1..n were all received: where to resume from. */
function contiguous(seqs: readonly number[] | undefined): number {
  const have = new Set(seqs ?? []);
  let n = 0;
  while (have.has(n + 1)) n += 1;
  return n;
}

const wsUrl = (url: string, token: string) => `${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;

export async function forcedDisconnectLoop(options: DisconnectLoopOptions): Promise<DisconnectLoopResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const perUser = Math.ceil(options.disconnects / options.users);
  const problems: string[] = [];
  let disconnects = 0;
  let runsCompleted = 0;
  let eventsChecked = 0;

  const user = async (index: number): Promise<void> => {
    const userId = `${options.userPrefix ?? 'resume-user'}-${index}`;
    const token = await options.mintToken(userId);
    /** Seqs of each run in arrival order, over all connections. */
    const seen = new Map<string, number[]>();
    let current: string | null = null;
    /** A user_message sent whose ack was not seen (the socket died first): sent again, same id. */
    let pending: string | null = null;
    let runCount = 0;
    let mine = 0;
    let conn = 0;
    const debug = new Map<string, string[]>();

    const check = (runId: string) => {
      const seqs = seen.get(runId) ?? [];
      eventsChecked += seqs.length;
      const expected = seqs.map((_, i) => i + 1);
      if (seqs.join(',') !== expected.join(',')) {
        problems.push(`${userId} run ${runId}: seqs ${seqs.join(',')}`.slice(0, 400));
        if (process.env.DISCONNECT_DEBUG) problems.push(`  arrivals (connection:seq): ${(debug.get(runId) ?? []).join(' ')}`);
      }
    };

    while (mine < perUser && Date.now() < deadline) {
      const ws = new WebSocket(wsUrl(options.url, token));
      conn += 1;
      // 0: cut right after connecting (the resume may not even be handled), else after 1-3 events.
      const wanted = Math.floor(Math.random() * 4);
      await new Promise<void>((resolve) => {
        let got = 0;
        let settled = false;
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(finish, 10_000);
        const sendMessage = () => {
          ws.send(
            JSON.stringify({ type: 'user_message', message_id: pending, payload: { content: `run ${runCount}`, agent: 'scripted', script: script(runCount) } }),
          );
        };
        const startRun = () => {
          runCount += 1;
          pending = `${userId}-m${runCount}`;
          sendMessage();
        };
        const resume = (runId: string) => {
          ws.send(JSON.stringify({ type: 'resume', payload: { run_id: runId, after_seq: contiguous(seen.get(runId)) } }));
        };
        ws.on('open', () => {
          if (current) resume(current);
          else if (pending) sendMessage();
          else startRun();
          if (wanted === 0 && pending === null) setTimeout(finish, 1);
        });
        ws.on('message', (data) => {
          const e = JSON.parse(String(data)) as Envelope;
          if (e.type === 'message_ack') {
            current = String(e.payload?.run_id);
            pending = null;
            if (got >= wanted) finish();
            if (!seen.has(current)) seen.set(current, []);
            if (e.payload?.duplicate === true) resume(current);
            return;
          }
          if (e.type === 'error') {
            problems.push(`${userId}: error ${JSON.stringify(e.payload)}`.slice(0, 300));
            finish();
            return;
          }
          if (typeof e.seq !== 'number' || !e.run_id) return;
          const list = seen.get(e.run_id) ?? [];
          seen.set(e.run_id, list);
          list.push(e.seq);
          if (process.env.DISCONNECT_DEBUG) debug.set(e.run_id, [...(debug.get(e.run_id) ?? []), `${conn}:${e.seq}`]);
          if (e.type === 'agent_completed' && e.run_id === current) {
            runsCompleted += 1;
            check(current);
            current = null;
            startRun();
          }
          got += 1;
          // Never cut while a message awaits its ack: a lost ack leaves the run unknown to the
          // client until its duplicate ack, and its first events cannot be asked for in order.
          if (got >= wanted && pending === null) finish();
        });
        ws.on('error', finish);
        ws.on('close', finish);
      });
      ws.terminate(); // no close handshake: the server sees the socket die
      mine += 1;
      disconnects += 1;
    }
    // Let the last run finish on one more connection and check it too.
    if (current) {
      const runId: string = current;
      const ws = new WebSocket(wsUrl(options.url, token));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          problems.push(`${userId} run ${runId}: no agent_completed after the last reconnect`);
          resolve();
        }, 15_000);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'resume', payload: { run_id: runId, after_seq: contiguous(seen.get(runId)) } })));
        ws.on('message', (data) => {
          const e = JSON.parse(String(data)) as Envelope;
          if (e.run_id !== runId || typeof e.seq !== 'number') return;
          seen.get(runId)!.push(e.seq);
          if (e.type === 'agent_completed') {
            clearTimeout(timer);
            runsCompleted += 1;
            check(runId);
            resolve();
          }
        });
      });
      ws.close();
    }
  };

  await Promise.all(Array.from({ length: options.users }, (_, i) => user(i)));
  return { disconnects, runsCompleted, eventsChecked, problems, elapsedMs: Date.now() - started };
}
