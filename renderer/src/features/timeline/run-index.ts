/**
 * The runs behind the live timelines, kept incrementally: each event is added once (O(1)),
 * each run's lane is rebuilt only when that run changed, and at most `cap` runs are kept (the
 * oldest dropped and counted). Apart from the live list, so clearing the list keeps the runs.
 */
import { RUN_EVENT_TYPES } from '../../../../protocol/index.ts';
import type { StreamEvent } from '../live-events/index.ts';
import { ackTimeOf, buildLane, type RunLaneModel } from './run-model.ts';

interface RunRecord {
  runId: string;
  userId: string;
  events: StreamEvent[];
  seqs: Set<number>;
  lastSeq: number;
  done: boolean;
  version: number;
  lane: RunLaneModel | null;
  laneVersion: number;
}

const RUN_TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);
export const DEFAULT_RUN_CAP = 2000;

export class RunIndex {
  private readonly runs = new Map<string, RunRecord>();
  private readonly acks = new Map<string, { at: number; userId: string }>();
  private cached: RunLaneModel[] | null = null;
  /** The run ids newest first, until a run is added or dropped. */
  private ordered: string[] | null = null;
  /** Runs dropped by the cap. */
  dropped = 0;

  constructor(private cap: number = DEFAULT_RUN_CAP) {}

  get size(): number {
    return this.runs.size;
  }

  setCap(cap: number): void {
    this.cap = cap;
    this.trim();
  }

  /** Adds one event; true when a run changed. */
  add(e: StreamEvent): boolean {
    const ack = ackTimeOf(e);
    if (ack) {
      if (!this.acks.has(ack.runId)) {
        this.acks.set(ack.runId, { at: ack.at, userId: e.userId });
        if (this.acks.size > this.cap * 2) this.acks.delete(this.acks.keys().next().value!);
        const known = this.runs.get(ack.runId);
        if (known) {
          known.version++;
          this.cached = null;
          return true;
        }
      }
      return false;
    }
    const runId = e.envelope.run_id;
    if (typeof runId !== 'string' || !RUN_TYPES.has(e.envelope.type)) return false;
    let run = this.runs.get(runId);
    if (!run) {
      run = { runId, userId: e.userId, events: [], seqs: new Set(), lastSeq: 0, done: false, version: 0, lane: null, laneVersion: -1 };
      this.runs.set(runId, run);
      this.ordered = null;
      this.trim();
    }
    const seq = e.envelope.seq;
    if (typeof seq === 'number') {
      if (run.seqs.has(seq)) return false;
      run.seqs.add(seq);
      if (seq > run.lastSeq) run.lastSeq = seq;
    }
    run.events.push(e);
    if (e.envelope.type === 'agent_completed') run.done = true;
    run.version++;
    this.cached = null;
    return true;
  }

  private trim(): void {
    while (this.runs.size > this.cap) {
      const oldest = this.runs.keys().next().value!;
      this.runs.delete(oldest);
      this.acks.delete(oldest);
      this.dropped++;
      this.cached = null;
      this.ordered = null;
    }
  }

  /** Lanes, newest run first (every lane built: the timeline builds only those in view, with order() and lane()). */
  lanes(): RunLaneModel[] {
    if (this.cached) return this.cached;
    const out: RunLaneModel[] = [];
    for (const run of this.runs.values()) out.push(this.laneOf(run));
    out.reverse();
    this.cached = out;
    return out;
  }

  /** The run ids, newest first (the same array until a run is added or dropped). */
  order(): readonly string[] {
    if (!this.ordered) this.ordered = [...this.runs.keys()].reverse();
    return this.ordered;
  }

  /** One run's lane, built when its run changed since it was last asked for; null for a run not kept. */
  lane(runId: string): RunLaneModel | null {
    const run = this.runs.get(runId);
    return run ? this.laneOf(run) : null;
  }

  private laneOf(run: RunRecord): RunLaneModel {
    if (!run.lane || run.laneVersion !== run.version) {
      run.lane = buildLane(run.runId, run.events, this.acks.get(run.runId)?.at);
      run.laneVersion = run.version;
    }
    return run.lane;
  }

  /** Runs without an agent_completed yet (what the status bar counts as running). */
  inProgressCount(): number {
    let n = 0;
    for (const run of this.runs.values()) if (!run.done) n++;
    return n;
  }

  /** This user's runs without an agent_completed yet, with the last seq seen (0 for an acked run not seen to start). */
  inProgress(userId: string): Array<{ runId: string; lastSeq: number }> {
    const out: Array<{ runId: string; lastSeq: number }> = [];
    for (const run of this.runs.values()) if (run.userId === userId && !run.done) out.push({ runId: run.runId, lastSeq: run.lastSeq });
    // acked, but no event seen yet (queued when the connection went): everything from the start
    for (const [runId, ack] of this.acks) if (ack.userId === userId && !this.runs.has(runId)) out.push({ runId, lastSeq: 0 });
    return out;
  }

  clear(): void {
    this.runs.clear();
    this.acks.clear();
    this.dropped = 0;
    this.cached = null;
    this.ordered = null;
  }
}
