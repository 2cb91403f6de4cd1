/**
 * The scenario format, version 1 (docs/scenarios.md, JSON Schema in
 * docs/scenario.schema.json, generated from this file by `npm run schema`).
 *
 * A scenario names its users, optional variables, and a list of steps. Each step is an
 * object with exactly one step key (`connect`, `send`, `wait`, ...) plus an optional
 * `name`. Strings anywhere may hold `{{templates}}`, rendered when the step runs.
 */
import { z } from 'zod';
import { FINAL_RUN_STATUSES, RUN_EVENT_TYPES, type ScenarioIssue } from '../protocol/index.ts';

export const SCENARIO_FORMAT_VERSION = 1;

const userKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'user key: a letter, then up to 31 of [A-Za-z0-9_-]');
const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable name: [A-Za-z_][A-Za-z0-9_]*');
const timeoutMs = z.number().int().min(1).max(600_000);
const transport = z.enum(['socketio', 'ws']);

/** What token a connection presents. */
export const TOKEN_KINDS = ['valid', 'expired', 'bad_signature', 'alg_none', 'malformed', 'none'] as const;

export const scenarioUserSchema = z.strictObject({
  /** The user id (the token's `sub`). Default: `<scenario>-<key>-<run id>`, unique per run. */
  id: z.string().min(1).max(128).optional(),
  /** A token to use as-is (e.g. `{{env.TOKEN_A}}`); without it one is minted by the dev endpoint. */
  token: z.string().min(1).optional(),
  transport: transport.optional(),
});

/**
 * A pattern: a value matched against a received value. Objects match as subsets (keys not
 * named are ignored), arrays element by element with the same length, other values by
 * equality. An object whose only keys start with `$` is an operator:
 * `$regex`, `$contains`, `$type`, `$exists`, `$gt`/`$gte`/`$lt`/`$lte`, `$oneOf`, `$any`, `$not`, `$length`.
 */
export const patternSchema: z.ZodType<unknown> = z.unknown();

export const PATTERN_OPERATORS = ['$regex', '$flags', '$contains', '$type', '$exists', '$gt', '$gte', '$lt', '$lte', '$oneOf', '$any', '$not', '$length'] as const;
export const PATTERN_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;

/** Checks a pattern's operators: unknown ones, bad `$type`s, regexes that do not compile. */
export function checkPattern(pattern: unknown, at: string, issues: ScenarioIssue[]): void {
  if (Array.isArray(pattern)) {
    pattern.forEach((p, i) => checkPattern(p, `${at}[${i}]`, issues));
    return;
  }
  if (pattern === null || typeof pattern !== 'object') return;
  const keys = Object.keys(pattern);
  const ops = keys.filter((k) => k.startsWith('$'));
  const o = pattern as Record<string, unknown>;
  if (ops.length > 0 && ops.length < keys.length) {
    issues.push({ path: at, message: `a pattern object has either operators or fields, not both (${keys.join(', ')})` });
  }
  for (const op of ops) {
    if (!(PATTERN_OPERATORS as readonly string[]).includes(op)) {
      issues.push({ path: `${at}.${op}`, message: `unknown operator ${op} (known: ${PATTERN_OPERATORS.join(', ')})` });
    }
  }
  if ('$regex' in o) {
    const source = o.$regex;
    const flags = o.$flags ?? '';
    if (typeof source !== 'string') issues.push({ path: `${at}.$regex`, message: '$regex must be a string' });
    else if (typeof flags !== 'string' || !/^[dgimsuvy]*$/.test(flags)) issues.push({ path: `${at}.$flags`, message: '$flags: letters of dgimsuvy' });
    else if (!source.includes('{{')) {
      try {
        new RegExp(source, flags);
      } catch (err) {
        issues.push({ path: `${at}.$regex`, message: `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  } else if ('$flags' in o) {
    issues.push({ path: `${at}.$flags`, message: '$flags needs $regex' });
  }
  if ('$type' in o && !(PATTERN_TYPES as readonly unknown[]).includes(o.$type)) {
    issues.push({ path: `${at}.$type`, message: `$type must be one of ${PATTERN_TYPES.join(', ')}` });
  }
  if ('$oneOf' in o && !Array.isArray(o.$oneOf)) issues.push({ path: `${at}.$oneOf`, message: '$oneOf must be a list of patterns' });
  for (const op of ['$gt', '$gte', '$lt', '$lte'] as const) {
    if (op in o && typeof o[op] !== 'number' && !(typeof o[op] === 'string' && o[op].includes('{{'))) issues.push({ path: `${at}.${op}`, message: `${op} must be a number` });
  }
  for (const op of ['$not', '$length', '$contains'] as const) if (op in o) checkPattern(o[op], `${at}.${op}`, issues);
  if (Array.isArray(o.$oneOf)) o.$oneOf.forEach((p, i) => checkPattern(p, `${at}.$oneOf[${i}]`, issues));
  for (const key of keys) if (!key.startsWith('$')) checkPattern(o[key], `${at}.${key}`, issues);
}

const captureSchema = z.record(varName, z.string().min(1)).describe('variable name → dotted path into the matched envelope, e.g. payload.run_id');

export const connectStepSchema = z.union([
  userKey,
  z.strictObject({
    user: userKey,
    transport: transport.optional(),
    /** A token kind, or a literal token. Default `valid`. */
    token: z.union([z.enum(TOKEN_KINDS), z.strictObject({ literal: z.string() })]).optional(),
    /** Expect the server to refuse the connection with this code (e.g. AUTH_EXPIRED). */
    expect_refused: z.string().min(1).optional(),
    /** With expect_refused on `/ws`: the WebSocket close code (4401 auth, 4403 forbidden). */
    expect_close_code: z.number().int().min(1000).max(4999).optional(),
    timeout_ms: timeoutMs.optional(),
  }),
]);

export const disconnectStepSchema = z.union([userKey, z.strictObject({ user: userKey })]);
export const dropStepSchema = z.union([userKey, z.strictObject({ user: userKey })]);

/**
 * An envelope to send, kept exactly as written: a record schema would copy it and drop a
 * `__proto__` key, which bad-input scenarios send on purpose.
 */
const plainObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'expected an object (an envelope)');

export const sendStepSchema = z
  .strictObject({
    as: userKey,
    /** Any envelope (object), sent as JSON. Gets a generated `message_id` unless it has one or `auto_id` is false. */
    message: plainObject.optional(),
    /** Raw text, sent as-is (malformed JSON and other bad input). */
    raw: z.string().optional(),
    /** Send a `user_message` padded to exactly this many UTF-8 bytes. */
    oversize_bytes: z.number().int().min(64).max(1_048_576).optional(),
    auto_id: z.boolean().optional(),
    /** Wait for the reply to this message: `ack` (a message_ack), an error code, or `none`. Default: `ack` for user_message, `pong` for ping, `none` otherwise. */
    expect: z.union([z.literal('ack'), z.literal('pong'), z.literal('none'), z.strictObject({ error: z.string().min(1) })]).optional(),
    /** Save the reply envelope (ack or error) as this variable: `{{name.payload.run_id}}`, with shortcuts `{{name.run_id}}`, `{{name.thread_id}}`. */
    save_as: varName.optional(),
    /** Pattern the reply must match (e.g. `{payload: {duplicate: true}}`). */
    reply: patternSchema.optional(),
    timeout_ms: timeoutMs.optional(),
  })
  .refine((s) => [s.message, s.raw, s.oversize_bytes].filter((v) => v !== undefined).length === 1, {
    message: 'send needs exactly one of message, raw, oversize_bytes',
  });

export const waitStepSchema = z.strictObject({
  user: userKey,
  /** Pattern an envelope received by the user must match; each wait consumes the first unconsumed match. */
  match: patternSchema,
  timeout_ms: timeoutMs.optional(),
  capture: captureSchema.optional(),
});

export const latencyBudgetSchema = z.strictObject({
  from: z.enum(RUN_EVENT_TYPES),
  to: z.enum(RUN_EVENT_TYPES),
  max_ms: z.number().min(0),
});

export const expectRunStepSchema = z.strictObject({
  user: userKey,
  /** The run id, usually `{{reply.run_id}}` of a saved send. */
  run: z.string().min(1),
  /** The exact sequence of event types, in seq order. Default: the five-event golden path. */
  events: z.array(z.enum(RUN_EVENT_TYPES)).max(500).optional(),
  /**
   * Without `events`: `five_events` (default) checks the built-in agents' golden path;
   * `any_agent` only the rules every agent must keep (started first, one agent_completed
   * last, tool pairs whole, parallel calls allowed), for running a pack against your agent.
   */
  shape: z
    .enum(['five_events', 'any_agent'])
    .optional()
    .describe('Without events: five_events (default, the built-in agents\' golden path) or any_agent (only the rules every agent keeps).'),
  status: z.enum(FINAL_RUN_STATUSES).optional(),
  /** Pattern for the final response text. */
  response: patternSchema.optional(),
  /** Patterns for payloads: event type → pattern (first event of that type), or a list matched in order. */
  payloads: z.partialRecord(z.enum(RUN_EVENT_TYPES), patternSchema).optional(),
  latency: z.array(latencyBudgetSchema).optional(),
  timeout_ms: timeoutMs.optional(),
});

export const expectNothingStepSchema = z.strictObject({
  user: userKey,
  /** Pattern of what must not have arrived; default: any run event or ack. */
  match: patternSchema.optional(),
  /** Wait this long first, so late arrivals count. Default 200 ms. */
  within_ms: z.number().int().min(0).max(60_000).optional(),
});

export const expectOrderStepSchema = z.strictObject({
  user: userKey,
  /** The event type whose arrival order is checked (default agent_started). */
  event: z.enum(RUN_EVENT_TYPES).optional(),
  /** Run ids in the order their events must have arrived. */
  runs: z.array(z.string().min(1)).min(2).max(200),
  timeout_ms: timeoutMs.optional(),
});

export const expectCountStepSchema = z.strictObject({
  user: userKey,
  /** Pattern of the envelopes to count: every one the user received, waits or not. */
  match: patternSchema,
  /** The count: a number, or a pattern such as `{$gte: 1}`. */
  count: z.union([z.number().int().min(0), z.record(z.string(), z.unknown())]),
  /** Wait this long first, so late arrivals count. Default 200 ms. */
  within_ms: z.number().int().min(0).max(60_000).optional(),
});

export const resumeStepSchema = z.strictObject({
  user: userKey,
  run: z.string().min(1),
  /** Default: the highest seq this user received for the run. */
  after_seq: z.union([z.number().int().min(0), z.string()]).optional(),
});

export const setStepSchema = z.record(varName, z.unknown());

export type ScenarioStep = {
  name?: string | undefined;
  connect?: z.infer<typeof connectStepSchema>;
  disconnect?: z.infer<typeof disconnectStepSchema>;
  drop?: z.infer<typeof dropStepSchema>;
  send?: z.infer<typeof sendStepSchema>;
  wait?: z.infer<typeof waitStepSchema>;
  expect_run?: z.infer<typeof expectRunStepSchema>;
  expect_nothing?: z.infer<typeof expectNothingStepSchema>;
  expect_order?: z.infer<typeof expectOrderStepSchema>;
  expect_count?: z.infer<typeof expectCountStepSchema>;
  resume?: z.infer<typeof resumeStepSchema>;
  sleep?: number;
  set?: Record<string, unknown>;
  repeat?: { times: number; index?: string | undefined; steps: ScenarioStep[] };
  parallel?: ScenarioStep[][];
};

export const STEP_KINDS = [
  'connect',
  'disconnect',
  'drop',
  'send',
  'wait',
  'expect_run',
  'expect_nothing',
  'expect_order',
  'expect_count',
  'resume',
  'sleep',
  'set',
  'repeat',
  'parallel',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const stepName = z.string().min(1).max(200).optional();

export const scenarioStepSchema: z.ZodType<ScenarioStep> = z.lazy(() =>
  z.union([
    z.strictObject({ name: stepName, connect: connectStepSchema.describe('Open a connection for a user: a user key, or {user, transport?, token?, expect_refused?, expect_close_code?}.') }),
    z.strictObject({ name: stepName, disconnect: disconnectStepSchema.describe('Close the user\'s connection cleanly.') }),
    z.strictObject({ name: stepName, drop: dropStepSchema.describe('Cut the user\'s transport without a clean close (then connect again and resume).') }),
    z.strictObject({ name: stepName, send: sendStepSchema.describe('Send as a user: one of message (an envelope), raw (text as-is) or oversize_bytes; waits for the ack/pong/error per expect.') }),
    z.strictObject({ name: stepName, wait: waitStepSchema.describe('Wait until the user receives an envelope matching the pattern; each wait consumes its match.') }),
    z.strictObject({ name: stepName, expect_run: expectRunStepSchema.describe('Wait for the run\'s agent_completed, then check seq, the event sequence, status, response, payloads and latency.') }),
    z.strictObject({ name: stepName, expect_nothing: expectNothingStepSchema.describe('After within_ms, fail if the user received anything matching (default: any run event or ack).') }),
    z.strictObject({ name: stepName, expect_order: expectOrderStepSchema.describe('The runs\' events of one type arrived in this order (priority, FIFO).') }),
    z.strictObject({ name: stepName, expect_count: expectCountStepSchema.describe('After within_ms, count every envelope the user received that matches; count is a number or a pattern.') }),
    z.strictObject({ name: stepName, resume: resumeStepSchema.describe('Send resume for a run; after_seq defaults to the highest seq received without a gap.') }),
    z.strictObject({ name: stepName, sleep: z.number().int().min(0).max(600_000).describe('Wait this many milliseconds.') }),
    z.strictObject({ name: stepName, set: setStepSchema.describe('Set variables (templates allowed).') }),
    z.strictObject({
      name: stepName,
      repeat: z.strictObject({
        times: z.number().int().min(1).max(10_000),
        index: varName.optional(),
        steps: z.array(scenarioStepSchema).min(1),
      }),
    }),
    z.strictObject({ name: stepName, parallel: z.array(z.array(scenarioStepSchema).min(1)).min(1).max(64) }),
  ]),
);

export const scenarioSchema = z.strictObject({
  /** Format version: 1. */
  flowscope: z.literal(SCENARIO_FORMAT_VERSION).describe('Format version: 1.'),
  name: z.string().min(1).max(200).describe('What the scenario checks, shown in reports.'),
  description: z.string().max(4000).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional().describe('Select with flowscope run --tag.'),
  /** Default transport for every user (default socketio). */
  transport: transport.optional().describe('Default transport of every user: socketio (default) or ws.'),
  /** Default timeout for waits, in ms (default 10000). */
  timeout_ms: timeoutMs.optional().describe('Default timeout of waits, in ms (10000).'),
  vars: z.record(varName, z.unknown()).optional().describe('Variables for {{templates}}; may use templates themselves.'),
  users: z
    .record(userKey, scenarioUserSchema)
    .refine((u) => Object.keys(u).length > 0, 'at least one user')
    .describe('User key → {id?, token?, transport?}. Without a token, one is minted by the dev endpoint.'),
  steps: z.array(scenarioStepSchema).min(1).describe('Run in order; after a failure the rest are skipped.'),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioUser = z.infer<typeof scenarioUserSchema>;
export type ConnectStep = z.infer<typeof connectStepSchema>;
export type SendStep = z.infer<typeof sendStepSchema>;
export type WaitStep = z.infer<typeof waitStepSchema>;
export type ExpectRunStep = z.infer<typeof expectRunStepSchema>;
export type ExpectNothingStep = z.infer<typeof expectNothingStepSchema>;
export type ExpectOrderStep = z.infer<typeof expectOrderStepSchema>;
export type ExpectCountStep = z.infer<typeof expectCountStepSchema>;
export type ResumeStep = z.infer<typeof resumeStepSchema>;
export type LatencyBudget = z.infer<typeof latencyBudgetSchema>;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export type { ScenarioIssue };

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/**
 * Validates a parsed scenario document. A step that matches no kind is reported by its
 * own errors (the union's branch with the same key), not as "no union member matched".
 */
export function validateScenario(doc: unknown): { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] } {
  const result = scenarioSchema.safeParse(doc);
  if (result.success) {
    const refIssues = [...checkUserReferences(result.data), ...checkPatterns(result.data)];
    if (refIssues.length > 0) return { ok: false, issues: refIssues };
    return { ok: true, scenario: result.data };
  }
  const issues: ScenarioIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
      const picked = pickUnionBranch(doc, issue.path, issue.errors as RawIssue[][]);
      if (picked) {
        issues.push(...picked);
        continue;
      }
    }
    issues.push({ path: formatPath(issue.path), message: issue.message });
  }
  return { ok: false, issues };
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** For a step union, report the errors of the branch whose step key the step has. */
function pickUnionBranch(
  doc: unknown,
  path: readonly PropertyKey[],
  branches: RawIssue[][],
): ScenarioIssue[] | undefined {
  const value = valueAt(doc, path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ path: formatPath(path), message: `a step must be an object with one of: ${STEP_KINDS.join(', ')}` }];
  }
  const keys = Object.keys(value).filter((k) => k !== 'name');
  const kinds = keys.filter((k) => (STEP_KINDS as readonly string[]).includes(k));
  if (kinds.length !== 1) {
    const unknown = keys.filter((k) => !(STEP_KINDS as readonly string[]).includes(k));
    return [
      {
        path: formatPath(path),
        message:
          kinds.length === 0
            ? `unknown step${unknown.length ? ` "${unknown.join('", "')}"` : ''}: use one of ${STEP_KINDS.join(', ')}`
            : `a step has exactly one kind, found ${kinds.join(' and ')}`,
      },
    ];
  }
  const kindIndex = STEP_KINDS.indexOf(kinds[0] as StepKind);
  const branch = branches[kindIndex];
  if (!branch) return undefined;
  return branchIssues(doc, path, branch);
}

type RawIssue = { path: PropertyKey[]; message: string; code: string; errors?: RawIssue[][] };

function branchIssues(doc: unknown, base: readonly PropertyKey[], branch: RawIssue[]): ScenarioIssue[] {
  const out: ScenarioIssue[] = [];
  for (const issue of branch) {
    const at = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors) {
      const value = valueAt(doc, at);
      const isStep = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => (STEP_KINDS as readonly string[]).includes(k));
      // A nested step (in repeat/parallel) picks its branch by key; a shorthand union
      // (user key | object) reports its object form.
      out.push(...(isStep ? (pickUnionBranch(doc, at, issue.errors) ?? []) : branchIssues(doc, at, issue.errors[issue.errors.length - 1] ?? [])));
      continue;
    }
    out.push({ path: formatPath(at), message: issue.message });
  }
  return out;
}

/** Calls `visit` for every step, nested ones (repeat, parallel) after their parent, with its path. */
function forEachStep(steps: ScenarioStep[], visit: (step: ScenarioStep, at: string) => void, base = 'steps'): void {
  steps.forEach((step, i) => {
    const at = `${base}[${i}]`;
    visit(step, at);
    if (step.repeat) forEachStep(step.repeat.steps, visit, `${at}.repeat.steps`);
    if (step.parallel) step.parallel.forEach((branch, b) => forEachStep(branch, visit, `${at}.parallel[${b}]`));
  });
}

/** Every pattern in the scenario, checked where it stands. */
function checkPatterns(scenario: Scenario): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  forEachStep(scenario.steps, (step, at) => {
    if (step.send?.reply !== undefined) checkPattern(step.send.reply, `${at}.send.reply`, issues);
    if (step.wait) checkPattern(step.wait.match, `${at}.wait.match`, issues);
    if (step.expect_run?.response !== undefined) checkPattern(step.expect_run.response, `${at}.expect_run.response`, issues);
    for (const [type, p] of Object.entries(step.expect_run?.payloads ?? {})) checkPattern(p, `${at}.expect_run.payloads.${type}`, issues);
    if (step.expect_nothing?.match !== undefined) checkPattern(step.expect_nothing.match, `${at}.expect_nothing.match`, issues);
    if (step.expect_count) {
      checkPattern(step.expect_count.match, `${at}.expect_count.match`, issues);
      checkPattern(step.expect_count.count, `${at}.expect_count.count`, issues);
    }
  });
  return issues;
}

const USER_STEP_KINDS = ['connect', 'disconnect', 'drop', 'send', 'wait', 'expect_run', 'expect_nothing', 'expect_order', 'expect_count', 'resume'] as const;

/** The user key a step names: the shorthand string, or its `user` / `as`. */
export function stepUserOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as { user?: string; as?: string };
  return v.user ?? v.as;
}

/** Every user a step names must be declared under `users`. */
function checkUserReferences(scenario: Scenario): ScenarioIssue[] {
  const declared = new Set(Object.keys(scenario.users));
  const issues: ScenarioIssue[] = [];
  forEachStep(scenario.steps, (step, at) => {
    for (const kind of USER_STEP_KINDS) {
      const user = step[kind] === undefined ? undefined : stepUserOf(step[kind]);
      if (user !== undefined && !declared.has(user)) {
        issues.push({ path: `${at}.${kind}`, message: `user "${user}" is not declared under users (declared: ${[...declared].join(', ')})` });
      }
    }
  });
  return issues;
}

/** The published JSON Schema of the format (docs/scenario.schema.json), for editors and other tools. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://flowscope.dev/schemas/scenario-v1.json',
    title: 'Flowscope scenario, version 1',
    description: 'A replayable message flow: users, variables and steps (connect, send, wait, expect_run, ...). See docs/scenarios.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
