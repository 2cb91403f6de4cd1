/**
 * The engine's part of one write per tick, on the real parts (SQLite store, in-process
 * cache, the executor with the built-in agents): a message for a user idle here is stored
 * already claimed (one write), a run's end claims the user's next run, and the process
 * holding the user's lease is told only when it is another process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgentRegistry } from '../agents/agent-registry.ts';
import { createCache } from '../cache/cache-factory.ts';
import { CacheUnavailableError } from '../cache/cache-errors.ts';
import type { Cache } from '../cache/cache-types.ts';
import { ConnectionRegistry } from '../delivery/connection-registry.ts';
import { EventPublisher } from '../delivery/event-publisher.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { createStore } from '../store/store-factory.ts';
import type { AcceptMessageInput, ClaimRequest, RunRecord, Store } from '../store/store-types.ts';
import { ExecutionEngineFactory } from './execution-engine-factory.ts';
import { RunExecutor } from './run-executor.ts';

const INSTANCE = 'inst-a';
let n = 0;

interface Harness {
  store: Store;
  cache: Cache;
  engines: ExecutionEngineFactory;
  errors: unknown[];
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.engines.shutdown('shutdown', 1000);
    await h.store.close();
    await h.cache.close();
  }
});

/** The cache calls about leases, as the engines made them. */
interface LeaseCalls {
  acquire: string[];
  release: string[];
  renew: string[][];
}

async function harness(wrap: (store: Store) => Store = (store) => store, options: { leaseMs?: number } = {}): Promise<Harness & { leaseCalls: LeaseCalls }> {
  const store = wrap(await createStore({ dataDir: '', ephemeral: true }));
  const leaseCalls: LeaseCalls = { acquire: [], release: [], renew: [] };
  const real = await createCache({});
  const cache = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (key === 'acquireLease') leaseCalls.acquire.push(args[0] as string);
        if (key === 'releaseLease') leaseCalls.release.push(args[0] as string);
        if (key === 'renewLeases') leaseCalls.renew.push([...(args[0] as string[])]);
        return method.apply(target, args);
      };
    },
  });
  const publisher = new EventPublisher(new ConnectionRegistry(), cache, INSTANCE, false);
  const executor = new RunExecutor({ store, publisher, agents: createAgentRegistry(), tools: () => new Map(), instanceId: INSTANCE });
  const errors: unknown[] = [];
  const engines = new ExecutionEngineFactory({
    store,
    cache,
    executor,
    instanceId: INSTANCE,
    maxConcurrentRuns: 4,
    idleMs: 60_000,
    leaseMs: options.leaseMs ?? 5000,
    onError: (err) => errors.push(err),
  });
  const h = { store, cache, engines, errors, leaseCalls };
  open.push(h);
  return h;
}

/** A scripted run that takes `ms` (a simulated tool call). */
function slowMessage(userId: string, ms: number): AcceptMessageInput {
  const input = message(userId, 'slow');
  const script = [{ tool: 'wait', args: {}, result: {}, delay_ms: ms }, { respond: 'done' }];
  return {
    ...input,
    message: { ...input.message, agent: 'scripted' },
    run: { ...input.run, agent: 'scripted', input: { content: 'slow', agent: 'scripted', script } },
  };
}

function message(userId: string, content = 'hello'): AcceptMessageInput {
  const i = ++n;
  const at = new Date().toISOString();
  const ids = { threadId: `thr_${i}`, messageId: `msg_${i}`, runId: `run_${i}` };
  return {
    thread: { id: ids.threadId, title: 't' },
    message: { id: ids.messageId, threadId: ids.threadId, userId, clientMessageId: `c-${i}`, content, agent: 'assistant', priority: 'normal', createdAt: at },
    run: {
      id: ids.runId,
      userId,
      threadId: ids.threadId,
      messageId: ids.messageId,
      agent: 'assistant',
      priority: 'normal',
      status: 'queued',
      input: { content, agent: 'assistant' },
      response: null,
      error: null,
      createdAt: at,
      startedAt: null,
      endedAt: null,
      ownerId: null,
    },
  };
}

/** What the message handler does: the accept through the user's engine. */
function submit(h: Harness, input: AcceptMessageInput, onElsewhere: () => void = () => undefined) {
  const claims: Array<ClaimRequest | null> = [];
  const done = h.engines.submit(
    input.message.userId,
    async (claim) => {
      claims.push(claim);
      const result = await h.store.acceptMessage(claim ? { ...input, claim } : input);
      return { result, queued: result.kind === 'accepted', claimed: result.kind === 'accepted' ? result.claimed : undefined };
    },
    onElsewhere,
  );
  return { done, claims };
}

async function ended(store: Store, runId: string): Promise<RunRecord> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && run.endedAt !== null) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ExecutionEngineFactory', () => {
  it('stores a message of a user idle here already claimed, in the accept’s write, and runs it', async () => {
    const h = await harness();
    const input = message('idle-user', 'what is 2 + 2?');
    const { done, claims } = submit(h, input);
    const { result } = await done;
    expect(result.kind).toBe('accepted');
    expect(claims).toEqual([{ userId: 'idle-user', ownerId: INSTANCE, startedAt: expect.any(String) }]);
    // Claimed in the same write: when the accept resolves (the ack goes out), it is no longer queued.
    expect((await h.store.getRun(input.run.id))?.status).not.toBe('queued');
    expect(await ended(h.store, input.run.id)).toMatchObject({ status: 'succeeded', ownerId: null });
    const events = await h.store.listEvents(input.run.id);
    expect(events.map((e) => e.type).at(-1)).toBe('agent_completed');
    expect(events.filter((e) => e.type === 'agent_completed')).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it("runs a user's runs one at a time in order, each next one claimed with the previous end", async () => {
    const h = await harness();
    const inputs = [1, 2, 3].map((i) => message('busy-user', `what is ${i} + 1?`));
    const submitted = inputs.map((input) => submit(h, input));
    await Promise.all(submitted.map((s) => s.done));
    // Only the first found the user idle; the others were queued for the drain.
    expect(submitted.map((s) => s.claims[0] !== null)).toEqual([true, false, false]);
    const runs = await Promise.all(inputs.map((input) => ended(h.store, input.run.id)));
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // One at a time: each started after the one before ended.
    for (let i = 1; i < runs.length; i++) expect(Date.parse(runs[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.endedAt!));
    expect(await h.store.countRunningRuns()).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('tells the holder of the lease only when it is another process, and leaves the run queued for it', async () => {
    const h = await harness();
    expect(await h.cache.acquireLease('user-lease:held-user', 'inst-b', 5000)).toBe(true);
    let told = 0;
    const input = message('held-user');
    const { done, claims } = submit(h, input, () => (told += 1));
    expect((await done).result.kind).toBe('accepted');
    expect(claims).toEqual([null]);
    expect(told).toBe(1);
    expect((await h.store.getRun(input.run.id))?.status).toBe('queued');

    // Once the lease is free, this process's own drain claims it, and nobody is told.
    await h.cache.releaseLease('user-lease:held-user', 'inst-b');
    const second = message('held-user');
    const next = submit(h, second, () => (told += 1));
    await next.done;
    await Promise.all([ended(h.store, input.run.id), ended(h.store, second.run.id)]);
    expect(told).toBe(1);
    expect(h.errors).toEqual([]);
  });

  it('tells another process of a message accepted once the engine stopped (shutting down)', async () => {
    const h = await harness();
    h.engines.engineFor('closing-user').stop();
    let told = 0;
    const input = message('closing-user');
    const { done, claims } = submit(h, input, () => (told += 1));
    expect((await done).result.kind).toBe('accepted');
    expect(claims).toEqual([null]);
    // Nothing runs it here: the process holding (or taking) the lease must hear of it now.
    expect(told).toBe(1);
    expect((await h.store.getRun(input.run.id))?.status).toBe('queued');

    // Stopped while its drain takes the lease for a submission: the same.
    const late = message('closing-late-user');
    const pending = submit(h, late, () => (told += 1));
    h.engines.engineFor('closing-late-user').stop();
    expect((await pending.done).result.kind).toBe('accepted');
    expect(pending.claims).toEqual([null]);
    expect(told).toBe(2);
    expect((await h.store.getRun(late.run.id))?.status).toBe('queued');
  });

  it('runs the run claimed by an end whose write failed after it committed (outcome unknown), once', async () => {
    let failed = 0;
    // The real store; its first end-with-claim commits, then its caller hears an outage
    // (a PostgreSQL connection lost before COMMIT's answer).
    const h = await harness(
      (store) =>
        new Proxy(store, {
          get(target, key, receiver) {
            if (key !== 'finishRunAndClaimNext') return Reflect.get(target, key, receiver) as unknown;
            return async (...args: Parameters<Store['finishRunAndClaimNext']>) => {
              const outcome = await target.finishRunAndClaimNext(...args);
              if (failed++ === 0) throw new StoreUnavailableError('sqlite', 'connection lost after commit');
              return outcome;
            };
          },
        }),
    );
    const inputs = [1, 2, 3].map((i) => message('unknown-outcome-user', `what is ${i} + 2?`));
    await Promise.all(inputs.map((input) => submit(h, input).done));
    const runs = await Promise.all(inputs.map((input) => ended(h.store, input.run.id)));
    expect(failed).toBeGreaterThan(0);
    // The run claimed by the failed write is not stranded (running, owned here, executed by nobody).
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const run of runs) expect((await h.store.listEvents(run.id)).filter((e) => e.type === 'agent_completed')).toHaveLength(1);
    expect(await h.store.countRunningRuns()).toBe(0);
  });

  it('runs a message whose accept-with-claim committed but failed to answer (outcome unknown)', async () => {
    let failed = 0;
    // The real store; its first accept with a claim commits, then its caller hears an outage.
    const h = await harness(
      (store) =>
        new Proxy(store, {
          get(target, key, receiver) {
            if (key !== 'acceptMessage') return Reflect.get(target, key, receiver) as unknown;
            return async (input: AcceptMessageInput) => {
              const result = await target.acceptMessage(input);
              if (input.claim && failed++ === 0) throw new StoreUnavailableError('sqlite', 'connection lost after commit');
              return result;
            };
          },
        }),
    );
    const input = message('accept-unknown-user', 'what is 3 + 3?');
    await expect(submit(h, input).done).rejects.toThrow('connection lost after commit');
    // Committed and claimed, yet not stranded: given back to the queue and run here.
    expect(await ended(h.store, input.run.id)).toMatchObject({ status: 'succeeded' });
    expect((await h.store.listEvents(input.run.id)).filter((e) => e.type === 'agent_completed')).toHaveLength(1);
    // The client's retry (same client id) finds the original.
    expect((await submit(h, input).done).result.kind).toBe('duplicate');
    expect(await h.store.countRunningRuns()).toBe(0);
  });

  it('claims nothing with an end once the engine stopped: the next run stays queued for the next process', async () => {
    const h = await harness();
    const first = slowMessage('stopping-user', 200);
    const second = message('stopping-user', 'what is 2 + 2?');
    const a = submit(h, first);
    const b = submit(h, second);
    await Promise.all([a.done, b.done]);
    // Stop claiming while the first runs: its end claims nothing, the second stays queued.
    h.engines.engineFor('stopping-user').stop();
    expect(await ended(h.store, first.run.id)).toMatchObject({ status: 'succeeded' });
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.store.getRun(second.run.id))?.status).toBe('queued');
    expect(h.errors).toEqual([]);
  });

  it('keeps the user’s lease between runs while the user is idle, then gives it back after the grace period', async () => {
    // Renewed every 200 ms; given back once the user was idle here for 200 ms (a renewal period).
    const h = await harness(undefined, { leaseMs: 600 });
    for (let i = 0; i < 3; i++) {
      const input = message('steady-user', `what is ${i} + 5?`);
      const { done, claims } = submit(h, input);
      await done;
      // Each found the user idle here: stored claimed.
      expect(claims).toEqual([{ userId: 'steady-user', ownerId: INSTANCE, startedAt: expect.any(String) }]);
      expect(await ended(h.store, input.run.id)).toMatchObject({ status: 'succeeded' });
    }
    // One acquire for the three, no release yet: the lease is held while idle, and the user's
    // channel with it (wake-ups from other processes must reach this one).
    expect(h.leaseCalls.acquire).toEqual(['user-lease:steady-user']);
    expect(h.leaseCalls.release).toEqual([]);
    expect(await h.cache.leaseOwner('user-lease:steady-user')).toBe(INSTANCE);
    expect(h.engines.isBusy('steady-user')).toBe(true);
    const idleSince = Date.now();
    const deadline = idleSince + 3000;
    while ((await h.cache.leaseOwner('user-lease:steady-user')) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await h.cache.leaseOwner('user-lease:steady-user')).toBeNull();
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(150);
    expect(h.leaseCalls.release).toEqual(['user-lease:steady-user']);
    expect(h.engines.isBusy('steady-user')).toBe(false);
    expect(h.engines.leaseCount).toBe(0);
    // The next message takes it again.
    const again = message('steady-user');
    await submit(h, again).done;
    await ended(h.store, again.run.id);
    expect(h.leaseCalls.acquire).toHaveLength(2);
    expect(h.errors).toEqual([]);
  });

  it('renews every lease it holds in one call to the cache, also through a run longer than the lease', async () => {
    const h = await harness(undefined, { leaseMs: 300 });
    const slow = slowMessage('long-user', 1500);
    // long enough that both leases are held over several renewals, whatever the machine's load
    // (a quick run's lease, kept only through the idle grace, could be given back before a
    // renewal came round on a busy machine)
    const quick = slowMessage('quick-user', 400);
    await Promise.all([submit(h, slow).done, submit(h, quick).done]);
    await ended(h.store, quick.run.id);
    // Midway through the slow run (five times the lease; the quick one ended at 400 ms), the
    // lease is still this process's.
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.cache.leaseOwner('user-lease:long-user')).toBe(INSTANCE);
    expect(await ended(h.store, slow.run.id)).toMatchObject({ status: 'succeeded' });
    // Every renewal was one call; while both were held, it named both.
    expect(h.leaseCalls.renew.length).toBeGreaterThanOrEqual(3);
    expect(h.leaseCalls.renew.some((keys) => [...keys].sort().join() === 'user-lease:long-user,user-lease:quick-user')).toBe(true);
    expect(h.leaseCalls.acquire.sort()).toEqual(['user-lease:long-user', 'user-lease:quick-user']);
    expect(h.errors).toEqual([]);
  });

  it('asks again for a held lease that a renewal found lost, and tells its new holder of the work', async () => {
    const h = await harness();
    const first = message('moved-user');
    await submit(h, first).done;
    await ended(h.store, first.run.id);
    expect(await h.cache.leaseOwner('user-lease:moved-user')).toBe(INSTANCE);
    // Lost while idle here (expired during a stall, say) and taken by another process.
    await h.cache.releaseLease('user-lease:moved-user', INSTANCE);
    expect(await h.cache.acquireLease('user-lease:moved-user', 'inst-b', 5000)).toBe(true);
    await h.engines.renewLeases();
    expect(h.engines.isBusy('moved-user')).toBe(false);
    let told = 0;
    const second = message('moved-user');
    const { done, claims } = submit(h, second, () => (told += 1));
    await done;
    expect(claims).toEqual([null]);
    expect(told).toBe(1);
    expect((await h.store.getRun(second.run.id))?.status).toBe('queued');
    expect(await h.cache.leaseOwner('user-lease:moved-user')).toBe('inst-b');
  });

  it('runs work queued through another process for a user whose lease it holds idle, when woken', async () => {
    const h = await harness();
    // A second process on the same store and cache.
    const peerPublisher = new EventPublisher(new ConnectionRegistry(), h.cache, 'inst-b', false);
    const peer = new ExecutionEngineFactory({
      store: h.store,
      cache: h.cache,
      executor: new RunExecutor({ store: h.store, publisher: peerPublisher, agents: createAgentRegistry(), tools: () => new Map(), instanceId: 'inst-b' }),
      instanceId: 'inst-b',
      maxConcurrentRuns: 4,
      idleMs: 60_000,
      leaseMs: 5000,
      onError: (err) => h.errors.push(err),
    });
    try {
      const first = message('shared-user');
      await submit(h, first).done;
      expect(await ended(h.store, first.run.id)).toMatchObject({ ownerId: null, status: 'succeeded' });
      // Idle here, lease kept: a message through the other process is queued there and this
      // process is woken (the bus's wake-up, here called directly), which runs it.
      let woken = 0;
      const second = message('shared-user');
      const viaPeer = peer.submit(
        'shared-user',
        async (claim) => {
          const result = await h.store.acceptMessage(claim ? { ...second, claim } : second);
          return { result, queued: result.kind === 'accepted', claimed: result.kind === 'accepted' ? result.claimed : undefined };
        },
        () => {
          woken += 1;
          h.engines.notify('shared-user');
        },
      );
      expect((await viaPeer).result.kind).toBe('accepted');
      expect(woken).toBe(1);
      const run = await ended(h.store, second.run.id);
      expect(run.status).toBe('succeeded');
      expect(h.leaseCalls.acquire.filter((key) => key === 'user-lease:shared-user')).toHaveLength(2); // ours once, the peer's refused try
      expect(await h.cache.leaseOwner('user-lease:shared-user')).toBe(INSTANCE);
      expect(peer.isBusy('shared-user')).toBe(false);
    } finally {
      await peer.shutdown('shutdown', 1000);
    }
    expect(h.errors).toEqual([]);
  });

  it('claims no further run once a renewal finds the lease taken by another process mid-drain', async () => {
    const h = await harness();
    const slow = slowMessage('lost-user', 600);
    await submit(h, slow).done;
    while ((await h.store.getRun(slow.run.id))?.status !== 'running') await new Promise((r) => setTimeout(r, 10));
    const behind = message('lost-user');
    await submit(h, behind).done;
    // Mid-run the lease runs out (a stall, say) and another process takes it.
    await h.cache.releaseLease('user-lease:lost-user', INSTANCE);
    expect(await h.cache.acquireLease('user-lease:lost-user', 'inst-b', 5000)).toBe(true);
    await h.engines.renewLeases();
    expect(await ended(h.store, slow.run.id)).toMatchObject({ status: 'succeeded' });
    await new Promise((r) => setTimeout(r, 100));
    // The run behind it is left to the lease's holder: not claimed with the end, nor after.
    expect(await h.store.getRun(behind.run.id)).toMatchObject({ status: 'queued', ownerId: null });
    expect(h.engines.isBusy('lost-user')).toBe(false);
    expect(await h.cache.leaseOwner('user-lease:lost-user')).toBe('inst-b');
    expect(h.errors).toEqual([]);
  });

  it('takes a lease found lost mid-drain again when it is free, and goes on', async () => {
    const h = await harness();
    const slow = slowMessage('vanished-user', 400);
    await submit(h, slow).done;
    while ((await h.store.getRun(slow.run.id))?.status !== 'running') await new Promise((r) => setTimeout(r, 10));
    const behind = message('vanished-user');
    await submit(h, behind).done;
    // The key is gone (a cache restarted without its data): no one holds the lease.
    await h.cache.releaseLease('user-lease:vanished-user', INSTANCE);
    await h.engines.renewLeases();
    expect(await ended(h.store, behind.run.id)).toMatchObject({ status: 'succeeded', ownerId: null });
    expect(await h.cache.leaseOwner('user-lease:vanished-user')).toBe(INSTANCE);
    expect(h.errors).toEqual([]);
  });

  it('trusts a held lease by a monotonic clock: a wall clock set back does not stretch it past unanswered renewals', async () => {
    const h = await harness(undefined, { leaseMs: 300 });
    const first = message('clock-user');
    await submit(h, first).done;
    await ended(h.store, first.run.id);
    expect(await h.cache.leaseOwner('user-lease:clock-user')).toBe(INSTANCE);
    // The renewals go unanswered (this process cut off from the cache) and the wall clock is
    // set back an hour (the user looks busy a moment ago: the grace period never ends).
    Object.assign(h.cache, {
      renewLeases: () => Promise.reject(new CacheUnavailableError('cut off')),
    });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3_600_000 });
    try {
      // The lease runs out in the cache (its own clock) and another process takes it.
      await new Promise((r) => setTimeout(r, 500));
      expect(await h.cache.acquireLease('user-lease:clock-user', 'inst-b', 5000)).toBe(true);
      let told = 0;
      const second = message('clock-user');
      const { done, claims } = submit(h, second, () => (told += 1));
      await done;
      // Asked again, refused: not run here beside the new holder.
      expect(claims).toEqual([null]);
      expect(told).toBe(1);
      expect((await h.store.getRun(second.run.id))?.status).toBe('queued');
    } finally {
      vi.useRealTimers();
    }
  });

  it('on shutdown, gives back the leases of idle users at once and keeps renewing those of runs still going', async () => {
    const h = await harness(undefined, { leaseMs: 300 });
    const idle = message('shut-idle');
    await submit(h, idle).done;
    await ended(h.store, idle.run.id);
    const slow = slowMessage('shut-long', 1000);
    await submit(h, slow).done;
    while ((await h.store.getRun(slow.run.id))?.status !== 'running') await new Promise((r) => setTimeout(r, 10));
    expect(h.engines.leaseCount).toBe(2);
    const stopping = h.engines.shutdown('shutdown', 3000);
    // The idle user's work may go to another process now, not once the slow run is over.
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.cache.leaseOwner('user-lease:shut-idle')).toBeNull();
    // Twice the lease later the slow run still goes on here, its user's lease with it.
    await new Promise((r) => setTimeout(r, 600));
    expect((await h.store.getRun(slow.run.id))?.endedAt).toBeNull();
    expect(await h.cache.leaseOwner('user-lease:shut-long')).toBe(INSTANCE);
    await stopping;
    expect(await ended(h.store, slow.run.id)).toMatchObject({ status: 'succeeded' });
    expect(await h.cache.leaseOwner('user-lease:shut-long')).toBeNull();
    expect(h.engines.leaseCount).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('gives back the leases it holds when it shuts down', async () => {
    const h = await harness();
    const inputs = [message('bye-a'), message('bye-b')];
    await Promise.all(inputs.map((input) => submit(h, input).done));
    await Promise.all(inputs.map((input) => ended(h.store, input.run.id)));
    expect(h.engines.leaseCount).toBe(2);
    await h.engines.shutdown('shutdown', 1000);
    expect(await h.cache.leaseOwner('user-lease:bye-a')).toBeNull();
    expect(await h.cache.leaseOwner('user-lease:bye-b')).toBeNull();
    expect(h.engines.leaseCount).toBe(0);
  });
});
