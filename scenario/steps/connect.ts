/** `connect`: opens a connection for a user, with a valid or a deliberately bad token, and may expect a refusal. */
import { z } from 'zod';
import type { ConnectionRefusedError } from '../../client/flowscope-connection.ts';
import { forgeToken, TOKEN_KINDS, type TokenKind } from '../token-forge.ts';
import { stepUserOf, timeoutMs, transport, userKey } from './fields.ts';
import { defineStep, StepFailed } from './step-definition.ts';

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

export type ConnectStep = z.infer<typeof connectStepSchema>;

export const connectStep = defineStep({
  kind: 'connect',
  schema: () => connectStepSchema,
  description: 'Open a connection for a user: a user key, or {user, transport?, token?, expect_refused?, expect_close_code?}.',
  user: stepUserOf,
  label(spec) {
    const c = typeof spec === 'string' ? { user: spec } : spec;
    const token = 'token' in c && c.token !== undefined ? ` with token: ${typeof c.token === 'string' ? c.token : 'literal'}` : '';
    const refused = 'expect_refused' in c && c.expect_refused ? ` (refused ${c.expect_refused})` : '';
    return `connect ${c.user}${'transport' in c && c.transport ? ` over ${c.transport}` : ''}${token}${refused}`;
  },
  async run(spec, run) {
    const { result } = run;
    const s = typeof spec === 'string' ? { user: spec } : spec;
    const u = run.user(s.user);
    const transportKind = s.transport ?? u.transport;
    const kind: TokenKind | 'literal' = s.token === undefined ? 'valid' : typeof s.token === 'string' ? s.token : 'literal';
    result.title = `connect ${u.key} over ${transportKind}${kind === 'valid' ? '' : ` with token: ${kind}`}`;
    let token: string;
    try {
      token = typeof s.token === 'object' ? run.renderStr(s.token.literal) : await forgeToken(kind as TokenKind, u.id, () => run.validToken(u), run.tokens);
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      throw new StepFailed({ message: `cannot get a ${kind} token for ${u.key}: ${err instanceof Error ? err.message : String(err)}` });
    }
    const { connection: conn, opened } = run.openConnection(u, token, transportKind);
    const timeout = run.timeout(s.timeout_ms);
    let refusal: ConnectionRefusedError | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const signal = run.signal;
    try {
      refusal = await Promise.race([
        opened,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StepFailed({ message: `no answer from ${run.target} within ${timeout} ms` })), timeout);
          onAbort = () => reject(new StepFailed({ message: run.stopMessage() }));
          if (signal?.aborted) onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      conn.close();
      throw err;
    } finally {
      // A signal shared by many runs (flowscope load) must not keep one listener per connect.
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    if (s.expect_refused) {
      if (!refusal) {
        conn.close();
        throw new StepFailed({
          message: `the connection was accepted, expected a refusal`,
          expected: [`refused with ${s.expect_refused}`],
          received: ['accepted'],
        });
      }
      if (refusal.code !== s.expect_refused) {
        throw new StepFailed({
          message: `refused with ${refusal.code}, expected ${s.expect_refused}`,
          expected: [`refused with ${s.expect_refused}`],
          received: [`refused with ${refusal.code}: ${refusal.message}`],
        });
      }
      if (s.expect_close_code !== undefined && refusal.closeCode !== s.expect_close_code) {
        throw new StepFailed({
          message: `closed with ${String(refusal.closeCode ?? 'no close code')}, expected ${s.expect_close_code}`,
          expected: [`close code ${s.expect_close_code}`],
          received: [`close code ${String(refusal.closeCode ?? '(none: not a /ws connection)')}`],
        });
      }
      result.detail = `refused with ${refusal.code}${refusal.closeCode ? ` (close ${refusal.closeCode})` : ''}: ${refusal.message}`;
      result.title += ` → refused ${refusal.code}`;
      return;
    }
    if (refusal) {
      throw new StepFailed({
        message: `refused with ${refusal.code}: ${refusal.message}`,
        expected: ['connected'],
        received: [`refused with ${refusal.code}`],
      });
    }
    u.connection?.close();
    u.connection = conn;
    result.detail = `${u.key} is ${u.id}`;
  },
});
