/**
 * The scenario format, version 1 (docs/scenarios.md, JSON Schema in
 * docs/scenario.schema.json, generated from this file by `npm run schema`).
 *
 * A scenario names its users, optional variables, and a list of steps. Each step is an
 * object with exactly one step key (`connect`, `send`, `wait`, ...) plus an optional
 * `name`. Strings anywhere may hold `{{templates}}`, rendered when the step runs.
 */
import { z } from 'zod';
import type { ScenarioIssue } from '../protocol/index.ts';
import { checkPattern } from './pattern-matcher.ts';
import { timeoutMs, transport, userKey, varName } from './steps/fields.ts';
import { STEP_DEFINITIONS, STEP_KINDS, stepKindOf, type ScenarioStep, type StepKind } from './steps/index.ts';
import type { NestedStep, StepDefinition } from './steps/step-definition.ts';

export { STEP_KINDS, type ScenarioStep, type StepKind } from './steps/index.ts';
export type { SendStep } from './steps/send.ts';
export type { ExpectRunStep } from './steps/expect-run.ts';

export const SCENARIO_FORMAT_VERSION = 1;

export const scenarioUserSchema = z.strictObject({
  /** The user id (the token's `sub`). Default: `<scenario>-<key>-<run id>`, unique per run. */
  id: z.string().min(1).max(128).optional(),
  /** A token to use as-is (e.g. `{{env.TOKEN_A}}`); without it one is minted by the dev endpoint. */
  token: z.string().min(1).optional(),
  transport: transport.optional(),
});

const stepName = z.string().min(1).max(200).optional();

/** A step: one of the registry's kinds (scenario/steps/index.ts) under its key, and an optional name. */
export const scenarioStepSchema: z.ZodType<ScenarioStep> = z.lazy(() => {
  const nested = scenarioStepSchema as unknown as z.ZodType<NestedStep>;
  const branches = STEP_DEFINITIONS.map((d: StepDefinition<StepKind, unknown>) => {
    const value = d.schema(nested);
    return z.strictObject({ name: stepName, [d.kind]: d.description === undefined ? value : value.describe(d.description) });
  });
  return z.union(branches as unknown as [z.ZodType<ScenarioStep>, ...z.ZodType<ScenarioStep>[]]);
});

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
function pickUnionBranch(doc: unknown, path: readonly PropertyKey[], branches: RawIssue[][]): ScenarioIssue[] | undefined {
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
      const isStep =
        value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => (STEP_KINDS as readonly string[]).includes(k));
      // A nested step (in repeat/parallel) picks its branch by key; a shorthand union
      // (user key | object) reports its object form.
      out.push(...(isStep ? (pickUnionBranch(doc, at, issue.errors) ?? []) : branchIssues(doc, at, issue.errors[issue.errors.length - 1] ?? [])));
      continue;
    }
    out.push({ path: formatPath(at), message: issue.message });
  }
  return out;
}

/** `steps[3]` + `send` + `reply` → `steps[3].send.reply`; a sub-path `[1]` joins without a dot. */
function under(at: string, kind: string, sub: string): string {
  return sub.startsWith('[') ? `${at}.${kind}${sub}` : `${at}.${kind}.${sub}`;
}

/** Calls `visit` for every step, nested ones (repeat, parallel) after their parent, with its path. */
function forEachStep(steps: readonly ScenarioStep[], visit: (step: ScenarioStep, at: string) => void, base = 'steps'): void {
  steps.forEach((step, i) => {
    const at = `${base}[${i}]`;
    visit(step, at);
    const { kind, definition, spec } = stepKindOf(step);
    for (const [sub, list] of definition?.nested?.(spec) ?? []) forEachStep(list as unknown as ScenarioStep[], visit, under(at, kind, sub));
  });
}

/** Every pattern in the scenario, checked where it stands. */
function checkPatterns(scenario: Scenario): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  forEachStep(scenario.steps, (step, at) => {
    const { kind, definition, spec } = stepKindOf(step);
    for (const [sub, pattern] of definition?.patterns?.(spec) ?? []) checkPattern(pattern, under(at, kind, sub), issues);
  });
  return issues;
}

/** Every user a step names must be declared under `users`. */
function checkUserReferences(scenario: Scenario): ScenarioIssue[] {
  const declared = new Set(Object.keys(scenario.users));
  const issues: ScenarioIssue[] = [];
  forEachStep(scenario.steps, (step, at) => {
    const { kind, definition, spec } = stepKindOf(step);
    const user = spec === undefined ? undefined : definition?.user?.(spec);
    if (user !== undefined && !declared.has(user)) {
      issues.push({ path: `${at}.${kind}`, message: `user "${user}" is not declared under users (declared: ${[...declared].join(', ')})` });
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
