import { describe, expect, it } from 'vitest';
import { guardAgent, MAX_ERROR_CHARS, safeError, safeErrorMessage } from './safe-error.ts';
import type { Agent } from './agent-types.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';

/** A Proxy every trap of which throws (reading it in any way throws). */
function hostileProxy(): object {
  const trap = (): never => {
    throw new Error('trap!');
  };
  return new Proxy(
    {},
    { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, apply: trap, defineProperty: trap, set: trap },
  );
}

describe('safeErrorMessage', () => {
  it('reads every kind of thrown value without throwing', () => {
    expect(safeErrorMessage(new TypeError('bad type'))).toBe('bad type');
    expect(safeErrorMessage('plain text')).toBe('plain text');
    expect(safeErrorMessage(42)).toBe('42');
    expect(safeErrorMessage(Symbol('s'))).toBe('Symbol(s)');
    expect(safeErrorMessage(undefined)).toBe('undefined');
    expect(safeErrorMessage(null)).toBe('null');
    expect(safeErrorMessage({ message: 'shaped like an error' })).toBe('shaped like an error');
    expect(safeErrorMessage(hostileProxy())).toBe('the agent threw a value that cannot be read (a Proxy)');
    const getter = Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('getter!');
      },
    });
    expect(safeErrorMessage(getter)).toBe('the agent threw a value that cannot be read (an Error)');
    const noString = {
      toString() {
        throw new Error('toString!');
      },
    };
    expect(safeErrorMessage(noString)).toBe('the agent threw a value that cannot be read (an object)');
    expect(safeErrorMessage(Object.create(null))).toBe('the agent threw a value that cannot be read (an object)');
  });

  it('caps a 5 MB message at 4 KB', () => {
    const message = safeErrorMessage(new Error('e'.repeat(5_000_000)));
    expect(message).toHaveLength(MAX_ERROR_CHARS);
    expect(message.endsWith('…')).toBe(true);
  });
});

describe('safeError', () => {
  it('keeps a real Error (class, code) and replaces what cannot be read or is too long', () => {
    const coded = Object.assign(new RangeError('out of range'), { code: 'E_RANGE' });
    expect(safeError(coded)).toBe(coded);
    expect(safeError(hostileProxy()).message).toBe('the agent threw a value that cannot be read (a Proxy)');
    expect(safeError(new Error('m'.repeat(10_000))).message).toHaveLength(MAX_ERROR_CHARS);
  });
});

describe('guardAgent', () => {
  const run = async (agent: Agent) => {
    const { context } = createRecordingAgentContext();
    return guardAgent(agent)
      .run(context)
      .then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error: error as Error }),
      );
  };

  it('turns a thrown Proxy, a synchronous throw and a huge message into readable errors', async () => {
    const threw = await run({ name: 'p', description: 'd', run: () => Promise.reject(hostileProxy()) });
    expect(threw).toMatchObject({ ok: false, error: { message: 'the agent threw a value that cannot be read (a Proxy)' } });
    const sync = await run({
      name: 's',
      description: 'd',
      run: () => {
        throw hostileProxy();
      },
    });
    expect(sync.ok).toBe(false);
    const huge = await run({ name: 'h', description: 'd', run: () => Promise.reject(new Error('x'.repeat(5_000_000))) });
    expect(huge.ok ? '' : huge.error.message).toHaveLength(MAX_ERROR_CHARS);
  });

  it('reads a result safely: a Proxy result or response fails readably, a plain one passes', async () => {
    // Not a thenable (its `then` reads as undefined), every other read throws.
    const notThenable = new Proxy(
      {},
      {
        get: (_target, key) => {
          if (key === 'then') return undefined;
          throw new Error('trap!');
        },
        getPrototypeOf: () => {
          throw new Error('trap!');
        },
      },
    );
    const proxied = await run({ name: 'r', description: 'd', run: () => Promise.resolve(notThenable as never) });
    expect(proxied).toMatchObject({ ok: false, error: { message: 'the agent returned a value that cannot be read (a Proxy)' } });
    // Resolving with a Proxy whose `then` throws rejects with what it threw: read safely too.
    const thenable = await run({ name: 't', description: 'd', run: () => hostileProxy() as never });
    expect(thenable).toMatchObject({ ok: false, error: { message: 'trap!' } });
    const fine = await run({ name: 'f', description: 'd', run: () => Promise.resolve({ response: 'ok', usage: { input_tokens: 1, output_tokens: 2 } }) });
    expect(fine).toEqual({ ok: true, result: { response: 'ok', usage: { input_tokens: 1, output_tokens: 2 } } });
  });
});
