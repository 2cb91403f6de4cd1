/**
 * Turns a recorded session (what a console session sent and received) into a replayable
 * scenario. Replays get fresh users (no ids are written), fresh message ids (except ids the
 * session reused on purpose, which stay reused), and every run id or thread id the session
 * learned from an ack is referred to through the saved reply (`{{r1.run_id}}`), so a replay
 * checks the same behaviour against new data:
 *
 * - every user is connected first (a user sharing another's id shares its token);
 * - one `send` per sent message, in time order, with `expect` from the reply it got;
 * - one `expect_run` per run whose ack and `agent_completed` arrived, placed where the run
 *   completed, with the exact recorded event types, final status and response;
 * - an `expect_nothing` per user who saw none of the other users' runs (isolation).
 */
import { FINAL_RUN_STATUSES, inboundMessageBytes, MAX_MESSAGE_BYTES, RUN_EVENT_TYPES, safeJsonParse, utf8ByteLength } from '../protocol/index.ts';
import { validateScenario, type ExpectRunStep, type Scenario, type ScenarioStep, type ScenarioUser, type SendStep } from './scenario-schema.ts';
import type { RecordedSession, RecordedUser } from './recorded-session.ts';
import type { ReceivedRecord, SentRecord } from './scenario-result.ts';

export interface RecorderOptions {
  name: string;
  description?: string;
}

const USER_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
/** The template syntax of template-renderer.ts: a string holding it must not be sent as written. */
const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/;
const RUN_TYPES: readonly string[] = RUN_EVENT_TYPES;
const FINAL: readonly string[] = FINAL_RUN_STATUSES;
const REPLY_TYPES = new Set(['message_ack', 'error', 'pong']);
/** The message id of the `/ws` readiness ping of flowscope-connection.ts (not part of a session). */
const READY_PING_ID = '__flowscope_ready__';

type Expectation = NonNullable<SendStep['expect']>;
type RunEventType = (typeof RUN_EVENT_TYPES)[number];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function payloadOf(envelope: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(envelope.payload) ? envelope.payload : {};
}

/** The message id a reply refers to (acks and errors carry it in the payload, pong at the top). */
function replyMessageId(envelope: Record<string, unknown>): string | null | undefined {
  const p = payloadOf(envelope);
  const id = envelope.type === 'pong' ? envelope.message_id : (p.message_id ?? envelope.message_id);
  return typeof id === 'string' ? id : id === null ? null : undefined;
}

function runIdOf(envelope: Record<string, unknown>): string | undefined {
  if (typeof envelope.run_id === 'string') return envelope.run_id;
  const p = payloadOf(envelope);
  return typeof p.run_id === 'string' ? p.run_id : undefined;
}

/**
 * A sent text that is plain JSON of an object within the size limit is the same message as
 * that object (the server parses it identically), so it is replayed as `message` and gets
 * fresh ids; anything else (malformed, oversized, arrays, bare strings) stays `raw`.
 */
function asMessage(data: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(data)) return data;
  if (typeof data !== 'string' || utf8ByteLength(data) > MAX_MESSAGE_BYTES) return undefined;
  const parsed = safeJsonParse(data);
  return parsed.ok && isPlainObject(parsed.value) ? parsed.value : undefined;
}

/** The message id written in a sent message or raw JSON text, if any. */
function sentMessageId(data: unknown): string | undefined {
  let value = data;
  if (typeof data === 'string') {
    const parsed = safeJsonParse(data);
    value = parsed.ok ? parsed.value : undefined;
  }
  return isPlainObject(value) && typeof value.message_id === 'string' ? value.message_id : undefined;
}

function defaultExpectation(type: string | undefined): 'ack' | 'pong' | 'none' {
  return type === 'user_message' ? 'ack' : type === 'ping' ? 'pong' : 'none';
}

function sameExpectation(a: Expectation, b: Expectation): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.error === b.error;
}

/** Scenario user keys: the session's keys when they are all valid, else a, b, c, ... */
function assignKeys(users: RecordedUser[]): Map<string, string> {
  const keys = users.map((u) => u.key);
  const map = new Map<string, string>();
  if (keys.every((k) => USER_KEY.test(k)) && new Set(keys).size === keys.length) {
    for (const k of keys) map.set(k, k);
    return map;
  }
  users.forEach((u, i) => {
    if (!map.has(u.key)) map.set(u.key, i < 26 ? String.fromCharCode(97 + i) : `u${i + 1}`);
  });
  return map;
}

interface RunInfo {
  runId: string;
  /** The session key of the user who sent the message. */
  owner: string;
  variable: string;
  /** When the owner received its agent_completed; undefined while it never completed. */
  completedAt: number | undefined;
  /** The owner's events of the run, once per (seq, type), in seq order. */
  events: ReceivedRecord[];
}

export function scenarioFromSession(session: RecordedSession, options: RecorderOptions): Scenario {
  const users: RecordedUser[] = session.users.map((u) => ({ ...u }));
  for (const rec of [...session.sent, ...session.received]) {
    if (!users.some((u) => u.key === rec.user)) users.push({ key: rec.user, id: '', transport: 'socketio' });
  }
  if (users.length === 0) throw new Error('the session has no users: connect a user and send something before saving it as a scenario');

  const keyOf = assignKeys(users);
  const key = (sessionKey: string): string => keyOf.get(sessionKey) as string;
  const userBy = new Map(users.map((u) => [u.key, u]));
  /** Scenario key of the first user with each id (the one whose token others share). */
  const primaryById = new Map<string, string>();
  for (const u of users) if (u.id && !primaryById.has(u.id)) primaryById.set(u.id, key(u.key));
  const idOf = (sessionKey: string): string => userBy.get(sessionKey)?.id || `key:${sessionKey}`;

  const vars: Record<string, unknown> = {};
  let literalCount = 0;
  /** A string holding `{{...}}` goes through a variable kept as written (`$literal`), so replays send it as recorded. */
  const literal = (text: string): string => {
    if (!TEMPLATE.test(text)) return text;
    for (const [name, value] of Object.entries(vars)) if ((value as { $literal?: unknown }).$literal === text) return `{{${name}}}`;
    literalCount++;
    vars[`text${literalCount}`] = { $literal: text };
    return `{{text${literalCount}}}`;
  };

  // ---- users, all connected first (a token sharer after its primary)
  const scenarioUsers: Record<string, ScenarioUser> = {};
  const steps: ScenarioStep[] = [];
  for (const u of users) {
    const k = key(u.key);
    const primary = u.id ? primaryById.get(u.id) : undefined;
    scenarioUsers[k] = { transport: u.transport, ...(primary && primary !== k ? { token: `{{user.${primary}.token}}` } : {}) };
    steps.push({ connect: k });
  }

  // ---- concrete ids → templates
  const idTemplates = new Map<string, string>();
  const runs = new Map<string, RunInfo>();
  const runOrder: RunInfo[] = [];
  const userIdTemplates = new Map<string, string>();
  for (const [id, k] of primaryById) userIdTemplates.set(id, `{{user.${k}.id}}`);

  const sends = session.sent.map((rec, index) => ({ rec, index })).sort((a, b) => a.rec.at_ms - b.rec.at_ms || a.index - b.index);
  const sentIds = new Map<string, Set<string>>();
  const idUses = new Map<string, number>();
  for (const { rec } of sends) {
    const id = sentMessageId(rec.data);
    if (id === undefined) continue;
    const set = sentIds.get(rec.user) ?? new Set<string>();
    set.add(id);
    sentIds.set(rec.user, set);
    const useKey = `${idOf(rec.user)}\u0000${id}`;
    idUses.set(useKey, (idUses.get(useKey) ?? 0) + 1);
  }

  const claimed = new Set<ReceivedRecord>();
  /**
   * The reply to a sent message: the ack, error or pong naming its message id; else (no id,
   * or an error raised before the id was read, like MESSAGE_TOO_LARGE) the first unclaimed
   * reply without another message's id that arrived before this user's next message.
   */
  const replyTo = (rec: SentRecord, messageId: string | undefined): ReceivedRecord | undefined => {
    const next = sends.find((s) => s.rec.user === rec.user && s.rec.at_ms > rec.at_ms)?.rec.at_ms ?? Number.POSITIVE_INFINITY;
    const candidates = session.received.filter(
      (r) => r.user === rec.user && r.at_ms >= rec.at_ms && !claimed.has(r) && REPLY_TYPES.has(r.envelope.type as string),
    );
    const idOfReply = (r: ReceivedRecord) => replyMessageId(r.envelope);
    if (messageId !== undefined) {
      const exact = candidates.find((r) => idOfReply(r) === messageId);
      if (exact) return exact;
    }
    const others = sentIds.get(rec.user) ?? new Set<string>();
    return candidates.find((r) => {
      if (r.at_ms >= next) return false;
      const id = idOfReply(r);
      if (r.envelope.type === 'error') return id == null;
      if (messageId !== undefined) return false;
      return id == null || (r.envelope.type === 'message_ack' && !others.has(id));
    });
  };

  const eventsOf = (runId: string, sessionKey: string): ReceivedRecord[] => {
    const seen = new Set<string>();
    const list: ReceivedRecord[] = [];
    for (const r of session.received) {
      if (r.user !== sessionKey || r.envelope.run_id !== runId || !RUN_TYPES.includes(r.envelope.type as string)) continue;
      const mark = `${String(r.envelope.seq)}\u0000${String(r.envelope.type)}`;
      if (seen.has(mark)) continue;
      seen.add(mark);
      list.push(r);
    }
    return list.sort((a, b) => (typeof a.envelope.seq === 'number' ? a.envelope.seq : 0) - (typeof b.envelope.seq === 'number' ? b.envelope.seq : 0));
  };

  let replyCount = 0;
  const learnAck = (ack: ReceivedRecord, owner: string): string => {
    replyCount++;
    const variable = `r${replyCount}`;
    const p = payloadOf(ack.envelope);
    const runId = typeof p.run_id === 'string' ? p.run_id : undefined;
    const threadId = typeof p.thread_id === 'string' ? p.thread_id : undefined;
    if (runId !== undefined && !idTemplates.has(runId)) idTemplates.set(runId, `{{${variable}.run_id}}`);
    if (threadId !== undefined && !idTemplates.has(threadId)) idTemplates.set(threadId, `{{${variable}.thread_id}}`);
    if (runId !== undefined && p.duplicate !== true && !runs.has(runId)) {
      const events = eventsOf(runId, owner);
      const done = events.find((e) => e.envelope.type === 'agent_completed');
      const info: RunInfo = { runId, owner, variable, completedAt: done?.at_ms, events };
      runs.set(runId, info);
      runOrder.push(info);
    }
    return variable;
  };

  /** Copies a sent message with concrete ids replaced; collects the runs it names. */
  const templated = (message: Record<string, unknown>, sender: string, referenced: Set<string>): Record<string, unknown> => {
    const walk = (value: unknown, top: boolean, field: string | undefined): unknown => {
      if (typeof value === 'string') {
        const known = idTemplates.get(value);
        if (known !== undefined) {
          const run = runs.get(value);
          if (run) referenced.add(run.runId);
          return known;
        }
        if (top && field === 'thread_id') {
          // A thread the client named itself: created by the first use, so unique per replay.
          const fresh = `{{run.id}}-${literal(value)}`;
          idTemplates.set(value, fresh);
          return fresh;
        }
        if (top && field === 'user_id') return userIdTemplates.get(value) ?? literal(value);
        return literal(value);
      }
      if (Array.isArray(value)) return value.map((v) => walk(v, false, undefined));
      if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, false, k)]));
      return value;
    };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message)) {
      if (k === 'message_id') {
        if (typeof v === 'string' && (idUses.get(`${idOf(sender)}\u0000${v}`) ?? 0) > 1) out[k] = `{{run.id}}-${literal(v)}`;
        else if (typeof v !== 'string') out[k] = v;
        // else: dropped, the runner generates a fresh one
        continue;
      }
      Object.defineProperty(out, k, { value: walk(v, true, k), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };

  // ---- expect_run, placed where the run completed
  const flushed = new Set<string>();
  const expectRun = (run: RunInfo): ScenarioStep => {
    const types = run.events.map((e) => e.envelope.type as RunEventType);
    const last = run.events.find((e) => e.envelope.type === 'agent_completed');
    const p = last ? payloadOf(last.envelope) : {};
    // A run that asked the clock answers with the time: its response cannot replay.
    const usedClock = run.events.some((e) => e.envelope.type === 'tool_executing' && payloadOf(e.envelope).tool === 'clock');
    const spec: ExpectRunStep = {
      user: key(run.owner),
      run: `{{${run.variable}.run_id}}`,
      ...(types.length <= 500 ? { events: types } : {}),
      ...(typeof p.status === 'string' && FINAL.includes(p.status) ? { status: p.status as ExpectRunStep['status'] } : {}),
      ...(typeof p.response === 'string' && !usedClock ? { response: literal(p.response) } : {}),
    };
    return { expect_run: spec };
  };
  const flushRuns = (before: number | undefined) => {
    const due = runOrder
      .filter((r) => !flushed.has(r.runId) && r.completedAt !== undefined && (before === undefined || r.completedAt < before))
      .sort((a, b) => (a.completedAt as number) - (b.completedAt as number));
    for (const run of due) {
      flushed.add(run.runId);
      steps.push(expectRun(run));
    }
  };

  // ---- the sends
  for (const { rec } of sends) {
    flushRuns(rec.at_ms);
    const k = key(rec.user);
    const message = asMessage(rec.data);
    const recordedId = sentMessageId(rec.data);
    if (recordedId === READY_PING_ID) continue;
    const reply = replyTo(rec, recordedId);
    if (reply) claimed.add(reply);
    const envelope = reply?.envelope;
    const p = envelope ? payloadOf(envelope) : {};
    const referenced = new Set<string>();

    const bytes = inboundMessageBytes(rec.data);
    if (envelope?.type === 'error' && p.code === 'MESSAGE_TOO_LARGE' && bytes > MAX_MESSAGE_BYTES && bytes <= 1_048_576) {
      // Refused for its size alone: the runner pads a message to the same size.
      steps.push({ send: { as: k, oversize_bytes: bytes, expect: { error: 'MESSAGE_TOO_LARGE' } } });
      continue;
    }

    if (message) {
      const msg = templated(message, rec.user, referenced);
      const type = typeof message.type === 'string' ? message.type : undefined;
      const send: SendStep = { as: k, message: msg };
      let wanted: Expectation = 'none';
      if (envelope?.type === 'message_ack') {
        wanted = 'ack';
        const known = typeof p.run_id === 'string' ? runs.get(p.run_id) : undefined;
        send.save_as = learnAck(reply as ReceivedRecord, rec.user);
        if (p.duplicate === true) send.reply = { payload: { duplicate: true, ...(known ? { run_id: `{{${known.variable}.run_id}}` } : {}) } };
      } else if (envelope?.type === 'error' && typeof p.code === 'string') {
        wanted = { error: p.code };
      } else if (envelope?.type === 'pong') {
        wanted = 'pong';
      }
      if (!sameExpectation(wanted, defaultExpectation(type))) send.expect = wanted;
      for (const runId of referenced) steps.push(...waitForProgress(runId, rec));
      steps.push({ send });
      continue;
    }

    // Raw text: the runner correlates only errors without a message id to it; anything else
    // is awaited with a `wait` step.
    const send: SendStep = { as: k, raw: literal(typeof rec.data === 'string' ? rec.data : JSON.stringify(rec.data)) };
    const after: ScenarioStep[] = [];
    if (envelope?.type === 'error' && typeof p.code === 'string') {
      if (p.message_id == null) send.expect = { error: p.code };
      else after.push({ wait: { user: k, match: { type: 'error', payload: { code: p.code, message_id: literal(String(p.message_id)) } } } });
    } else if (envelope?.type === 'message_ack') {
      const known = typeof p.run_id === 'string' ? runs.get(p.run_id) : undefined;
      const variable = learnAck(reply as ReceivedRecord, rec.user);
      const payload: Record<string, unknown> = {};
      if (recordedId !== undefined) payload.message_id = literal(recordedId);
      if (p.duplicate === true) {
        payload.duplicate = true;
        if (known) payload.run_id = `{{${known.variable}.run_id}}`;
      }
      after.push({
        wait: { user: k, match: { type: 'message_ack', ...(Object.keys(payload).length ? { payload } : {}) }, capture: { [variable]: 'payload' } },
      });
    } else if (envelope?.type === 'pong') {
      after.push({ wait: { user: k, match: { type: 'pong' } } });
    }
    steps.push({ send }, ...after);
  }
  flushRuns(undefined);

  /**
   * Before a message naming a run still in progress (cancel_run, resume), wait until the
   * run got as far as it had when the message was sent, so a replay cancels at the same point.
   */
  function waitForProgress(runId: string, rec: SentRecord): ScenarioStep[] {
    const run = runs.get(runId);
    if (!run || flushed.has(runId)) return [];
    const seenBefore = run.events.filter((e) => e.at_ms <= rec.at_ms);
    const last = seenBefore[seenBefore.length - 1];
    if (!last || run.owner !== rec.user) return [];
    return [
      {
        wait: {
          user: key(rec.user),
          match: {
            type: last.envelope.type,
            run_id: `{{${run.variable}.run_id}}`,
            ...(typeof last.envelope.seq === 'number' ? { seq: last.envelope.seq } : {}),
          },
        },
      },
    ];
  }

  // ---- isolation: a user who saw none of the other users' runs must still see none
  for (const u of users) {
    const others = runOrder.filter((r) => idOf(r.owner) !== idOf(u.key));
    if (others.length === 0) continue;
    const otherIds = new Set(others.map((r) => r.runId));
    const mine = session.received.filter((r) => r.user === u.key);
    if (mine.some((r) => otherIds.has(runIdOf(r.envelope) ?? ''))) continue;
    const sawAnyRun = mine.some((r) => r.envelope.type === 'message_ack' || RUN_TYPES.includes(r.envelope.type as string));
    const ownerKeys = [...new Set(others.map((r) => key(r.owner)))];
    steps.push({
      name: `isolation: ${key(u.key)} receives nothing of ${ownerKeys.join(', ')}'s runs`,
      expect_nothing: sawAnyRun ? { user: key(u.key), match: { run_id: { $oneOf: others.map((r) => `{{${r.variable}.run_id}}`) } } } : { user: key(u.key) },
    });
  }

  const doc = {
    flowscope: 1 as const,
    name: options.name,
    description:
      options.description ??
      `Recorded against ${session.target} at ${session.started_at}: ${session.sent.length} message(s) from ${users.length} user(s), ${runOrder.length} run(s).`,
    tags: ['recorded'],
    ...(Object.keys(vars).length ? { vars } : {}),
    users: scenarioUsers,
    steps,
  };
  const checked = validateScenario(doc);
  if (!checked.ok) throw new Error(`the recorded scenario is invalid: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return checked.scenario;
}
