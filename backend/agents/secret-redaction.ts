/**
 * Keeping secrets (the llm agent's API key, an HTTP agent's configured header values) out of
 * everything an agent relays: an endpoint or an agent may echo them, whole or in part.
 *
 * The rule (docs/agents.md: the llm agent's "The API key never appears", the HTTP agents' header values):
 * - a secret of at least MIN_SECRET_CHARS (4) characters is replaced with `[redacted]` wherever
 *   it appears whole;
 * - a secret longer than SECRET_FRAGMENT_CHARS (12) is also replaced wherever any run of 12 or
 *   more of its consecutive characters appears (a key cut short, a slice of it, a key with a
 *   few characters changed at its end). Twelve consecutive characters of a random key are not
 *   an ordinary word, so prose is left alone; shorter secrets are matched whole only.
 *
 * `redactValue` applies the rule to every string of a JSON-like value (object keys included,
 * recursively) and returns the value itself when nothing changed. `withSecretsRedacted` wraps
 * an agent so that every string it hands to its context (thoughts, tool names, arguments and
 * call ids, reported events) and its response and error pass the redactor before they are
 * stored or sent: the one place every event of the llm agent and of agents over HTTP passes.
 */
import type { Agent, AgentContext, AgentResult, ReportedEvent, ToolCallOptions, ToolOutcome } from './agent-types.ts';

export const REDACTED = '[redacted]';
/** Secrets shorter than this are not searched for (a 1-character "key" would shred text). */
export const MIN_SECRET_CHARS = 4;
/** Runs of at least this many consecutive characters of a longer secret are redacted. */
export const SECRET_FRAGMENT_CHARS = 12;
/** Any run of SECRET_FRAGMENT_CHARS contains one whole block of this many aligned characters. */
const BLOCK_CHARS = SECRET_FRAGMENT_CHARS / 2;
/** Deeper values are replaced whole (JSON payloads are at most 64 deep). */
const MAX_DEPTH = 100;

export interface SecretRedactor {
  /** False when there is no secret to look for (every call is the identity). */
  readonly active: boolean;
  /** `text` with every secret and every long enough run of one replaced by `[redacted]`. */
  text(text: string): string;
  /** `value` with `text` applied to every string in it (keys included); the same value when nothing changed. */
  value<T>(value: T): T;
}

interface Secret {
  text: string;
  /** Aligned blocks of BLOCK_CHARS characters (for secrets longer than SECRET_FRAGMENT_CHARS). */
  blocks: Array<{ at: number; text: string }>;
}

function prepare(secret: string): Secret {
  const blocks: Secret['blocks'] = [];
  if (secret.length > SECRET_FRAGMENT_CHARS) {
    for (let at = 0; at + BLOCK_CHARS <= secret.length; at += BLOCK_CHARS) blocks.push({ at, text: secret.slice(at, at + BLOCK_CHARS) });
  }
  return { text: secret, blocks };
}

/** Adds to `spans` the [from, to) ranges of `text` that show `secret` or a long run of it. */
function findSpans(text: string, secret: Secret, spans: Array<[number, number]>): void {
  const s = secret.text;
  if (secret.blocks.length === 0) {
    for (let at = text.indexOf(s); at !== -1; at = text.indexOf(s, at + s.length)) spans.push([at, at + s.length]);
    return;
  }
  // Every run of >= SECRET_FRAGMENT_CHARS characters of s contains one of its aligned blocks:
  // find the blocks, then grow each hit both ways while text and secret agree.
  // Hits at the same alignment (text offset minus secret offset) inside a run already found
  // belong to that run: skip them (a text repeating the secret stays linear).
  const coveredUntil = new Map<number, number>();
  for (const block of secret.blocks) {
    for (let at = text.indexOf(block.text); at !== -1; at = text.indexOf(block.text, at + 1)) {
      const alignment = at - block.at;
      if (at + BLOCK_CHARS <= (coveredUntil.get(alignment) ?? -1)) continue;
      let left = 0;
      while (at - left > 0 && block.at - left > 0 && text.charCodeAt(at - left - 1) === s.charCodeAt(block.at - left - 1)) left += 1;
      let right = 0;
      const end = at + BLOCK_CHARS;
      const secretEnd = block.at + BLOCK_CHARS;
      while (end + right < text.length && secretEnd + right < s.length && text.charCodeAt(end + right) === s.charCodeAt(secretEnd + right)) right += 1;
      coveredUntil.set(alignment, end + right);
      if (left + BLOCK_CHARS + right >= SECRET_FRAGMENT_CHARS) spans.push(trimmed(text, at - left, end + right));
    }
  }
}

/** The span without the white space at its ends (`Bearer x` echoed as `... x` keeps its space). */
function trimmed(text: string, from: number, to: number): [number, number] {
  let start = from;
  let end = to;
  while (start < end && /\s/.test(text.charAt(start))) start += 1;
  while (end > start && /\s/.test(text.charAt(end - 1))) end -= 1;
  return [start, end];
}

function replaceSpans(text: string, spans: Array<[number, number]>): string {
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let open: [number, number] | undefined;
  for (const span of spans) {
    if (open && span[0] <= open[1]) {
      open[1] = Math.max(open[1], span[1]);
      continue;
    }
    if (open) {
      out += text.slice(from, open[0]) + REDACTED;
      from = open[1];
    }
    open = [span[0], span[1]];
  }
  if (open) {
    out += text.slice(from, open[0]) + REDACTED;
    from = open[1];
  }
  return out + text.slice(from);
}

/** A redactor for `secrets` (undefined, empty and too short ones are ignored). */
export function createSecretRedactor(secrets: Iterable<string | undefined>): SecretRedactor {
  const unique = new Set<string>();
  for (const secret of secrets) if (typeof secret === 'string' && secret.length >= MIN_SECRET_CHARS) unique.add(secret);
  const prepared = [...unique].map(prepare);
  const text = (value: string): string => {
    if (prepared.length === 0 || value.length < MIN_SECRET_CHARS) return value;
    const spans: Array<[number, number]> = [];
    for (const secret of prepared) findSpans(value, secret, spans);
    return spans.length === 0 ? value : replaceSpans(value, spans);
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i += 1) {
        const item: unknown = value[i];
        const next = walk(item, depth + 1);
        if (next !== item) copy ??= value.slice();
        if (copy) copy[i] = next;
      }
      return copy ?? value;
    }
    let changed = false;
    const entries: Array<[string, unknown]> = [];
    for (const [key, item] of Object.entries(value)) {
      const nextKey = text(key);
      const next = walk(item, depth + 1);
      if (nextKey !== key || next !== item) changed = true;
      entries.push([nextKey, next]);
    }
    return changed ? Object.fromEntries(entries) : value;
  };
  return {
    active: prepared.length > 0,
    text,
    value: <T>(value: T): T => (prepared.length === 0 ? value : (walk(value, 0) as T)),
  };
}

/**
 * The secrets of one header value: the value, and for `Scheme credentials` (Bearer, Basic,
 * Token...) the credentials alone; for Basic also the decoded `user:password` and password.
 */
export function headerSecrets(value: string): string[] {
  const secrets = [value];
  const match = /^([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value.trim());
  if (match) {
    const credentials = match[2] as string;
    secrets.push(credentials);
    if ((match[1] as string).toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon !== -1 && /^[\x20-\x7e]+$/.test(decoded)) secrets.push(decoded, decoded.slice(colon + 1));
    }
  }
  return secrets;
}

/** Redacts the thrown value's message and stack in place (an Error), or makes an Error of it. */
function redactThrown(err: unknown, redactor: SecretRedactor): unknown {
  if (!redactor.active) return err;
  if (err instanceof Error) {
    try {
      const message = redactor.text(err.message);
      if (message !== err.message) err.message = message;
      if (typeof err.stack === 'string') {
        const stack = redactor.text(err.stack);
        if (stack !== err.stack) err.stack = stack;
      }
    } catch {
      return new Error(REDACTED);
    }
    return err;
  }
  return typeof err === 'string' ? redactor.text(err) : err;
}

/**
 * The context `ctx` with every string the agent hands it redacted. Tools get the redacted
 * arguments (so a tool cannot echo a secret the model put there); the outcome keeps the call
 * id the agent gave. Other members are `ctx`'s own (inherited).
 */
export function redactingContext(ctx: AgentContext, redactor: SecretRedactor): AgentContext {
  if (!redactor.active) return ctx;
  const outcomeFor = (outcome: ToolOutcome, callId: string | undefined): ToolOutcome => (callId === undefined ? outcome : { ...outcome, callId });
  const wrapped: AgentContext = Object.create(ctx) as AgentContext;
  Object.defineProperties(wrapped, {
    think: { value: (thought: string) => ctx.think(typeof thought === 'string' ? redactor.text(thought) : thought) },
    callTool: {
      value: (tool: string, args: Record<string, unknown>, options?: ToolCallOptions) => {
        const given = options?.callId;
        const callOptions = given === undefined ? options : { ...options, callId: redactor.value(given) };
        const outcome = ctx.callTool(redactor.value(tool), redactor.value(args), callOptions).then((result) => outcomeFor(result, given));
        outcome.catch(() => undefined); // like the context's own promises: never an unhandled rejection
        return outcome;
      },
    },
    simulateTool: {
      value: (tool: string, args: Record<string, unknown>, outcome: Parameters<AgentContext['simulateTool']>[2]) =>
        ctx.simulateTool(redactor.value(tool), redactor.value(args), redactor.value(outcome)),
    },
    report: { value: (event: ReportedEvent) => ctx.report(redactor.value(event)) },
  });
  return wrapped;
}

/** `agent` with its events, response and errors redacted (see the file comment); `agent` itself without secrets. */
export function withSecretsRedacted(agent: Agent, redactor: SecretRedactor): Agent {
  if (!redactor.active) return agent;
  const wrapped: Agent = {
    name: agent.name,
    description: agent.description,
    ...(agent.historyTurns === undefined ? {} : { historyTurns: agent.historyTurns }),
    async run(ctx): Promise<AgentResult> {
      let result: AgentResult;
      try {
        result = await agent.run(redactingContext(ctx, redactor));
      } catch (err) {
        throw redactThrown(err, redactor);
      }
      return typeof result?.response === 'string' ? { ...result, response: redactor.text(result.response) } : result;
    },
  };
  return wrapped;
}
