import { describe, expect, it } from 'vitest';
import { createSecretRedactor, headerSecrets, REDACTED, SECRET_FRAGMENT_CHARS, withSecretsRedacted } from './secret-redaction.ts';
import type { Agent } from './agent-types.ts';
import { startRun } from '../../test/support/llm-run-harness.ts';

const KEY = 'sk-proj-Q7vX2mLp9RtY4wZ8kB3nHc6JdF1gS5aE';

/** Every run of SECRET_FRAGMENT_CHARS characters of `secret` that `text` still shows. */
function leaks(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let at = 0; at + SECRET_FRAGMENT_CHARS <= secret.length; at += 1) {
    const run = secret.slice(at, at + SECRET_FRAGMENT_CHARS);
    if (text.includes(run)) found.push(run);
  }
  return found;
}

describe('createSecretRedactor', () => {
  const redactor = createSecretRedactor([KEY]);

  it('redacts the secret whole, cut short, and any slice of 12 or more of its characters', () => {
    expect(redactor.text(`key ${KEY}.`)).toBe(`key ${REDACTED}.`);
    expect(redactor.text(`key ${KEY.slice(0, -3)}…`)).toBe(`key ${REDACTED}…`);
    expect(redactor.text(`tail ${KEY.slice(-12)}`)).toBe(`tail ${REDACTED}`);
    expect(redactor.text(`mid ${KEY.slice(9, 21)} end`)).toBe(`mid ${REDACTED} end`);
    expect(redactor.text(`two ${KEY}${KEY} and ${KEY.slice(5, 30)}`)).toBe(`two ${REDACTED} and ${REDACTED}`);
    // A key with its last characters replaced still loses everything it shares with the key.
    expect(redactor.text(`${KEY.slice(0, -4)}XXXX`)).toBe(`${REDACTED}XXXX`);
  });

  it('leaves ordinary text and runs shorter than 12 characters alone', () => {
    const prose = 'The sk-proj- prefix is public; Q7vX2mLp9Rt is 11 characters of it. Authorization failed.';
    expect(redactor.text(prose)).toBe(prose);
    expect(redactor.text('')).toBe('');
  });

  it('matches a short secret (under 13 characters) whole only, and ignores secrets under 4', () => {
    const short = createSecretRedactor(['hunter2pass', 'abc', undefined, '']);
    expect(short.text('pw hunter2pass, hunter2 alone')).toBe(`pw ${REDACTED}, hunter2 alone`);
    expect(short.text('abc abc')).toBe('abc abc');
    expect(createSecretRedactor([]).active).toBe(false);
  });

  it('redacts every string of a value, keys included, and returns the value itself when nothing changed', () => {
    const clean = { a: ['x', { b: 1 }], c: null };
    expect(redactor.value(clean)).toBe(clean);
    const dirty = { tool: `t_${KEY.slice(0, 20)}`, args: { [KEY]: [`v ${KEY}`, 3, true] }, ok: true };
    expect(redactor.value(dirty)).toEqual({ tool: `t_${REDACTED}`, args: { [REDACTED]: [`v ${REDACTED}`, 3, true] }, ok: true });
    expect(leaks(JSON.stringify(redactor.value(dirty)), KEY)).toEqual([]);
  });

  it('stays linear on a text that repeats the secret (a hostile echo)', () => {
    const text = `${KEY} `.repeat(20_000);
    const redacted = redactor.text(text);
    expect(redacted).toBe(`${REDACTED} `.repeat(20_000));
  });
});

describe('headerSecrets', () => {
  it('takes the credentials of a scheme, and the decoded user:password of Basic', () => {
    expect(headerSecrets('Bearer tok-123456')).toEqual(['Bearer tok-123456', 'tok-123456']);
    const basic = `Basic ${Buffer.from('ann:s3cret-pass').toString('base64')}`;
    expect(headerSecrets(basic)).toEqual([basic, basic.slice(6), 'ann:s3cret-pass', 's3cret-pass']);
    expect(headerSecrets('plain-token-value')).toEqual(['plain-token-value']);
  });
});

describe('withSecretsRedacted', () => {
  it('redacts what an agent hands its context (thoughts, tool names, arguments, call ids, reported events), its response and its error; the agent keeps its own call ids', async () => {
    const seen: string[] = [];
    const agent: Agent = {
      name: 'echo',
      description: 'echoes a secret everywhere',
      async run(ctx) {
        await ctx.think(`thinking about ${KEY}`);
        const outcome = await ctx.callTool('calculator', { expression: `1+1 // ${KEY}` }, { callId: `id-${KEY}` });
        seen.push(outcome.callId);
        await ctx.report({ type: 'tool_executing', payload: { tool: `x${KEY}`, call_id: `c-${KEY.slice(0, 14)}`, args: { k: KEY } } });
        await ctx.report({
          type: 'tool_completed',
          payload: { tool: `x${KEY}`, call_id: `c-${KEY.slice(0, 14)}`, ok: false, error: `bad ${KEY}`, duration_ms: 1 },
        });
        return { response: `the key is ${KEY.slice(0, 30)}` };
      },
    };
    const run = startRun(withSecretsRedacted(agent, createSecretRedactor([KEY])));
    const outcome = await run.done;
    expect(outcome).toEqual({ ok: true, result: { response: `the key is ${REDACTED}` } });
    expect(seen).toEqual([`id-${KEY}`]);
    expect(leaks(JSON.stringify(run.events), KEY)).toEqual([]);
    expect(run.events[1]).toEqual({
      type: 'tool_executing',
      payload: { tool: 'calculator', call_id: `id-${REDACTED}`, args: { expression: `1+1 // ${REDACTED}` } },
    });

    const failing: Agent = {
      name: 'fails',
      description: 'throws a secret',
      run: () => Promise.reject(new Error(`upstream said ${KEY.slice(2)}`)),
    };
    const failed = await startRun(withSecretsRedacted(failing, createSecretRedactor([KEY]))).done;
    expect(failed.ok).toBe(false);
    const error = (failed as { error: Error }).error;
    expect(error.message).toBe(`upstream said ${REDACTED}`);
    expect(leaks(String(error.stack), KEY)).toEqual([]);
  });
});
