/**
 * Composition root: builds the store, cache, agents, engines, pipeline and transports,
 * listens, and shuts everything down cleanly (stop accepting, let running runs end or
 * interrupt them, flush writes, close connections).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { AgentsResponse, HealthResponse } from '../../protocol/index.ts';
import { AgentCatalog } from '../agents/agent-catalog.ts';
import type { Agent, Tool } from '../agents/agent-types.ts';
import type { ExtraAgent } from '../agents/agent-catalog.ts';
import { displayUrl } from '../agents/http/index.ts';
import { configuredUrlAgents } from '../agents/ag-ui/index.ts';
import { createLlmAgent, DEFAULT_LLM_BASE_URL } from '../agents/llm/index.ts';
import { parseMcpEntries, startMcpToolServers } from '../agents/mcp/index.ts';
import { resolveJwtSecret } from '../auth/jwt-secret.ts';
import { createOriginPolicy } from '../auth/origin-policy.ts';
import { TokenService } from '../auth/token-service.ts';
import { cacheCapabilitiesFor, createCache } from '../cache/cache-factory.ts';
import type { Cache } from '../cache/cache-types.ts';
import { DEFAULT_CONFIG, type BackendConfig, type ConnectionLimits } from '../config/backend-config.ts';
import { ConnectionRegistry } from '../delivery/connection-registry.ts';
import { EventPublisher } from '../delivery/event-publisher.ts';
import { BackendMetrics } from '../metrics/backend-metrics.ts';
import { isUnavailableOrClosed } from '../errors/unavailable.ts';
import { ExecutionEngineFactory } from '../execution/execution-engine-factory.ts';
import { RunExecutor } from '../execution/run-executor.ts';
import { checkRunBudget } from '../agents/run-budget.ts';
import { RunSupervisor } from '../execution/run-supervisor.ts';
import { createHttpHandler } from '../http/http-api.ts';
import { registryFeed } from '../http/agui-routes.ts';
import { isLoopbackHost } from '../net/loopback.ts';
import { InboundPipeline } from '../reception/inbound-pipeline.ts';
import { clientSafeMessage } from '../routing/error-envelope.ts';
import { MessageHandlerService } from '../routing/message-handler-service.ts';
import { AgentHandler, CancelHandler, PingHandler, ResumeHandler } from '../routing/message-handlers.ts';
import { MessageRouter } from '../routing/message-router.ts';
import { createScenarioLibrary } from '../scenarios/scenario-library.ts';
import { createStore, resolveStoreTarget, SQLITE_FILENAME } from '../store/store-factory.ts';
import { createLogger, createLogRedactor, stricterLevel, type BackendLogger, type Logger } from '../logging/logger.ts';
import { logRunEnds } from '../logging/run-end-log.ts';
import { startLiveTraces } from '../traces/live-traces.ts';
import { headerSecrets } from '../agents/secret-redaction.ts';
import { acquireDataFolderLock, lockPathFor, type DataFolderLock } from './data-folder-lock.ts';
import type { Store } from '../store/store-types.ts';
import { attachSocketIo } from '../transport/socketio-transport.ts';
import { CONNECTION_TTL_MS } from '../transport/connection-admission.ts';
import { ConnectionGate } from '../transport/connection-gate.ts';
import { attachWebSocket } from '../transport/ws-transport.ts';

const require = createRequire(import.meta.url);
/** The package version, from the sources (backend/server) or the build (dist/node/backend/server). */
function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../../package.json']) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
const VERSION = readVersion();

export interface RunningBackend {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly instanceId: string;
  readonly config: BackendConfig;
  /** Every agent and tool, as GET /api/agents lists them (current after a reload). */
  readonly agents: AgentsResponse;
  mintToken(userId: string, ttlS?: number): Promise<string>;
  health(): Promise<{ status: number; body: HealthResponse }>;
  close(): Promise<void>;
}

export type { Logger };

/** startBackend's options: any configuration value, plus agents and tools given as code. */
/** A partial configuration (`limits` may name only the limits it changes), plus agents and tools. */
export interface BackendOptions extends Partial<Omit<BackendConfig, 'limits'>> {
  limits?: Partial<ConnectionLimits> | undefined;
  /** Agents besides the built-in ones and the configured modules; names must be unique. */
  agents?: Agent[] | undefined;
  /** Tools offered to every agent besides the built-in ones. */
  tools?: Tool[] | undefined;
}

/** The configured secrets no log line may show (the logger also redacts JWTs, Bearer credentials and URL passwords). */
export function configSecrets(config: BackendConfig, jwtSecret?: string): string[] {
  const secrets: Array<string | undefined> = [jwtSecret, config.jwtSecret, config.llm?.apiKey, config.metricsToken];
  for (const header of config.agentHeaders) secrets.push(...headerSecrets(header.value));
  for (const url of [config.databaseUrl, config.redisUrl]) {
    try {
      if (url) secrets.push(decodeURIComponent(new URL(url).password) || undefined);
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * The log of a backend built from its configuration: LOG_FORMAT, LOG_LEVEL (`quiet`: at least
 * `warn`), every configured secret redacted. `flowscope serve` uses it for its own lines too.
 */
export function createBackendLogger(config: Pick<BackendConfig, 'quiet' | 'logFormat' | 'logLevel'> & Partial<BackendConfig>, extraSecrets: string[] = []) {
  const level = config.logLevel ?? 'info';
  return createLogger({
    format: config.logFormat ?? 'pretty',
    level: config.quiet ? stricterLevel(level, 'warn') : level,
    secrets: [...configSecrets({ ...DEFAULT_CONFIG, ...config } as BackendConfig), ...extraSecrets],
  });
}

/** A logger given to startBackend, with every configured secret redacted from what it is handed. */
function redactingLogger(logger: Logger, config: BackendConfig): Logger {
  const redact = createLogRedactor(configSecrets(config));
  // A line the logger would drop is not redacted first (a debug line per message, say).
  const enabled = (logger as Partial<BackendLogger>).enabled?.bind(logger) ?? (() => true);
  return (level, message, err, fields) => {
    if (!enabled(level)) return;
    let cleanErr = err;
    if (err instanceof Error) {
      cleanErr = Object.assign(new Error(redact(err.message)), { name: err.name, ...(err.stack ? { stack: redact(err.stack) } : {}) });
    } else if (typeof err === 'string') cleanErr = redact(err);
    const cleanFields = fields && Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v]));
    logger(level, redact(message), cleanErr, cleanFields);
  };
}

/**
 * The data folder's lock (data-folder-lock.ts), when this backend needs one: SQLite on a file
 * (not ephemeral) with a cache no other process shares. Null otherwise, and when the store URL
 * does not resolve (createStore then says why).
 */
function dataFolderLockTarget(config: BackendConfig): { lockPath: string; database: string; folder: string } | null {
  if (config.databaseEphemeral) return null;
  const cache = cacheCapabilitiesFor(config.redisUrl);
  if (!cache || cache.crossProcess) return null;
  let target;
  try {
    target = resolveStoreTarget({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch {
    return null;
  }
  if (target.kind !== 'sqlite' || target.filename === ':memory:' || target.filename === '') return null;
  const lockPath = lockPathFor(target.filename, SQLITE_FILENAME);
  return { lockPath, database: target.filename, folder: path.dirname(target.filename) };
}

export async function startBackend(options: BackendOptions = {}, logger?: Logger): Promise<RunningBackend> {
  const { agents: givenAgents, tools: givenTools, ...partial } = options;
  const config: BackendConfig = { ...DEFAULT_CONFIG, ...partial, limits: { ...DEFAULT_CONFIG.limits, ...partial.limits } };
  const instanceId = `inst_${randomUUID().slice(0, 8)}`;
  const log = logger ? redactingLogger(logger, config) : createBackendLogger(config);
  const mcpSpecs = parseMcpEntries(config.mcpServers); // a bad entry: MCP_INVALID_CONFIG, before anything starts
  // The data folder first: a second process on a folder in use refuses before loading anything.
  const lockTarget = dataFolderLockTarget(config);
  const lock: DataFolderLock | null = lockTarget
    ? await acquireDataFolderLock({
        ...lockTarget,
        instanceId,
        onTakeover: (message, holder) => log('warn', message, undefined, { lock: lockTarget.lockPath, previous_pid: holder.pid }),
      })
    : null;
  // Agents next: a module that does not load stops start-up before the store is opened.
  const catalog = await AgentCatalog.create({
    agents: givenAgents,
    tools: givenTools,
    modules: config.agentModules,
    extra: configuredAgents(config),
    reload: config.agentReload,
    log: (level, message) => log(level, message),
  }).catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  const tokens = new TokenService(resolveJwtSecret(config.jwtSecret, config.dataDir));
  const startedAt = Date.now();

  let store: Store;
  try {
    store = await createStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      ...(config.sqliteDriver ? { sqliteDriver: config.sqliteDriver } : {}),
      ...(config.sqliteNativeBinding ? { sqliteNativeBinding: config.sqliteNativeBinding } : {}),
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
      ...(config.databaseEphemeral ? { ephemeral: true } : {}),
    });
  } catch (err) {
    catalog.close();
    lock?.release();
    throw err;
  }
  let cache: Cache;
  try {
    cache = await createCache({ redisUrl: config.redisUrl, ...(config.cacheKeyPrefix ? { keyPrefix: config.cacheKeyPrefix } : {}) });
  } catch (err) {
    await store.close().catch(() => undefined);
    catalog.close();
    lock?.release();
    throw err;
  }

  // MCP tool servers (docs/agents.md): their tools join the catalog as `name.tool`, again after
  // each tools/list_changed or reconnect. A server not up yet is retried with backoff.
  const mcp = await startMcpToolServers({
    specs: mcpSpecs,
    callTimeoutMs: config.mcpTimeoutMs,
    clientVersion: VERSION,
    log: (level, message) => log(level, message),
    onTools: (server, tools) => {
      const refused = catalog.replaceToolGroup(`mcp server '${server}'`, tools);
      if (refused.length > 0) log('warn', `mcp server '${server}': tools not offered (their names are taken): ${refused.join(', ')}`);
    },
  });

  // Live OpenTelemetry spans when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set (docs/traces.md); without it no SDK is loaded.
  const liveTraces = await startLiveTraces(store, log).catch((err: unknown) => {
    log('warn', 'traces: the OpenTelemetry SDK could not start; runs are not exported live', err);
    return undefined;
  });
  const registry = new ConnectionRegistry();
  const metrics = new BackendMetrics({
    connectionsByTransport: () => {
      const counts: Record<string, number> = {};
      for (const c of registry.all()) counts[c.transport] = (counts[c.transport] ?? 0) + 1;
      return counts;
    },
    queueDepth: () => store.countQueuedRuns(),
    busSubscriptions: () => publisher.subscribedUsers,
  });
  const publisher = new EventPublisher(registry, cache, instanceId, cache.crossProcess, {
    published: (kind) => metrics.busPublished.inc({ kind }),
    received: (kind) => metrics.busReceived.inc({ kind }),
    emitted: (envelope) => {
      runEnds(envelope);
      liveTraces?.emitted(envelope);
      metrics.eventsEmitted.inc({ type: envelope.type });
      if (envelope.type === 'agent_completed') metrics.runsFinished.inc({ status: (envelope.payload as { status: string }).status });
    },
  });
  // Owners of orphaned runs this process is ending (the run supervisor says), for the run-end line.
  const orphanOwners = new Map<string, string | null>();
  const runEnds = logRunEnds({
    log,
    instanceId,
    orphanOwner: (runId) => {
      const owner = orphanOwners.get(runId);
      orphanOwners.delete(runId);
      return owner;
    },
    lookup: async (runId) => {
      const run = await store.getRun(runId);
      return run ? { agent: run.agent, startedAt: run.startedAt } : null;
    },
  });
  const agents = catalog.registry;
  const executor = new RunExecutor({
    store,
    publisher,
    agents,
    tools: () => catalog.tools,
    instanceId,
    observe: {
      started: (s) => metrics.queueWait.observe(s),
      firstEvent: (s) => metrics.timeToFirstEvent.observe(s),
      persisted: (s) => metrics.persistLatency.observe(s),
      ended: (s) => metrics.runDuration.observe(s),
    },
    onRetry: (runId, err) => log('warn', `storing the end of run ${runId} failed; retrying until the store answers`, err),
    budget: checkRunBudget({ maxEvents: config.runMaxEvents, maxBytes: config.runMaxBytes, maxThoughtChars: config.thoughtMaxChars }),
    cancelGraceMs: config.cancelGraceMs,
  });
  // A dependency that is down is an outage to report, not a bug.
  const onError = (err: unknown) =>
    isUnavailableOrClosed(err) ? log('warn', 'background task: dependency unavailable', err) : log('error', 'background task failed', err);
  const engines = new ExecutionEngineFactory({
    store,
    cache,
    executor,
    instanceId,
    maxConcurrentRuns: config.maxConcurrentRuns,
    maxConcurrentRunsPerAgent: config.agentMaxConcurrentRuns,
    idleMs: config.engineIdleMs,
    leaseMs: config.leaseMs,
    onLease: (userId) => publisher.subscribeUser(userId),
    onError,
  });
  const supervisor = new RunSupervisor({
    store,
    cache,
    publisher,
    engines,
    instanceId,
    intervalMs: Math.min(2000, Math.max(200, Math.floor(config.leaseMs / 3))),
    leaseMs: config.leaseMs,
    onError,
    onOrphan: ({ runId, owner }) => {
      orphanOwners.set(runId, owner);
      if (orphanOwners.size > 10_000) orphanOwners.delete(orphanOwners.keys().next().value as string);
    },
  });
  const service = new MessageHandlerService({
    store,
    agents,
    engines,
    publisher,
    maxQueuedPerUser: config.maxQueuedPerUser,
    scriptLimits: config.scriptLimits,
  });
  // A handled message ends the wait of its connection's held live events (delivery/run-event-sequencer.ts).
  const router = new MessageRouter({ onHandled: (connection) => registry.sequencer(connection).handled() })
    .register(new AgentHandler(service))
    .register(new PingHandler())
    .register(new CancelHandler({ store, engines, publisher }))
    .register(new ResumeHandler(store, registry));
  const pipeline = new InboundPipeline({
    cache,
    router,
    rateLimitMessages: config.rateLimitMessages,
    rateLimitWindowMs: config.rateLimitWindowMs,
    onReply: (envelope) => {
      if (envelope.type === 'message_ack') metrics.messagesAccepted.inc();
      else if (envelope.type === 'error') metrics.messagesRefused.inc({ code: envelope.payload.code });
    },
    maxBacklog: config.limits.maxInboundBacklog,
    maxBacklogBytes: config.limits.maxInboundBacklogBytes,
    log,
  });

  let ownOrigins: string[] = [];
  const originAllowed = createOriginPolicy(() => ownOrigins, config.allowedOrigins);

  async function health(): Promise<{ status: number; body: HealthResponse }> {
    const failing: string[] = [];
    const errors: string[] = [];
    const timeout = async <T>(p: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), 2000)))]);
      } finally {
        clearTimeout(timer);
      }
    };
    await timeout(store.ping()).catch((e: unknown) => {
      failing.push('store');
      errors.push(`store: ${clientSafeMessage(e instanceof Error ? e.message : String(e))}`);
    });
    await timeout(cache.ping()).catch((e: unknown) => {
      failing.push('cache');
      errors.push(`cache: ${clientSafeMessage(e instanceof Error ? e.message : String(e))}`);
    });
    const queueDepth = failing.includes('store') ? -1 : await store.countQueuedRuns().catch(() => -1);
    const body: HealthResponse = {
      status: failing.length ? 'degraded' : 'ok',
      store: store.kind,
      ...(store.driver ? { store_driver: store.driver } : {}),
      cache: cache.kind,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      queue_depth: queueDepth,
      running: engines.runningCount,
      connections: registry.size,
      instance_id: instanceId,
      version: VERSION,
      ...(failing.length ? { failing, error: errors.join('; ') } : {}),
    };
    return { status: failing.length ? 503 : 200, body };
  }

  const loopback = isLoopbackHost(config.host);
  const scenarioLibrary = createScenarioLibrary({ builtinDir: config.scenarioDir, dataDir: config.dataDir });
  const server = http.createServer(
    createHttpHandler({
      store,
      tokens,
      devTokens: loopback,
      consoleDir: config.consoleDir,
      scenarios: { library: scenarioLibrary, enabled: loopback },
      // Flowscope as an AG-UI endpoint (docs/ag-ui.md): runs accepted like a user_message, streamed as AG-UI events.
      agui: {
        store,
        feed: registryFeed({ registry, store, subscribeUser: (userId) => publisher.subscribeUser(userId) }),
        agents,
        submitRun: (userId, request) => service.submit(userId, request),
        maxQueuedPerUser: config.maxQueuedPerUser,
        // the same budget as the sockets' messages (key and limit of the inbound pipeline)
        rateLimit: async (userId) => ({
          ...(await cache.hitRateLimit(`rate:${userId}`, config.rateLimitMessages, config.rateLimitWindowMs)),
          limit: config.rateLimitMessages,
          windowMs: config.rateLimitWindowMs,
        }),
      },
      health,
      agents: () => catalog.describe(),
      catalogEvents: (subscriber) => catalog.subscribe(subscriber),
      metrics: { contentType: metrics.contentType, render: () => metrics.render(), token: config.metricsToken },
      originAllowed,
      log,
    }),
  );
  server.keepAliveTimeout = 5000;
  // Once shutting down, a keep-alive HTTP connection (a console polling /health every 2 s
  // keeps one open for as long as it polls) is closed after its current response, so the
  // shutdown never waits on a client that keeps asking.
  let shuttingDown = false;
  server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
  });
  const onClose = (connection: { userId: string; id: string }) => {
    cache.removeConnection(connection.userId, connection.id).catch(() => undefined);
  };
  // Slots are tagged with this process's liveness lease: they stop counting once it is known dead.
  const slotHolder = RunSupervisor.instanceKey(instanceId);
  const gate = new ConnectionGate(config.limits);
  const transportDeps = {
    tokens,
    cache,
    registry,
    pipeline,
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    slotHolder,
    subscribeUser: (userId: string) => publisher.subscribeUser(userId),
    gate,
    limits: config.limits,
    originAllowed,
    onClose,
    log,
  };
  const io = attachSocketIo(server, transportDeps);
  const wss = attachWebSocket(server, transportDeps);

  await publisher.start({
    onCancel: (userId, runId) => void engines.cancelLocal(userId, runId),
    onWake: (userId) => engines.notify(userId),
    busy: (userId) => engines.isBusy(userId),
  });
  await supervisor.start();

  const refresher = setInterval(() => {
    for (const c of registry.all()) cache.refreshConnection(c.userId, c.id, CONNECTION_TTL_MS, slotHolder).catch(() => undefined);
  }, CONNECTION_TTL_MS / 3);
  refresher.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await mcp.close();
    lock?.release();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${urlHost}:${port}`;
  ownOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  try {
    lock?.listening(port, url);
  } catch (err) {
    log('warn', `could not record the port in ${lock?.path ?? 'the lock file'}`, err);
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    host: config.host,
    instanceId,
    config,
    get agents() {
      return catalog.describe();
    },
    async mintToken(userId: string, ttlS = 3600) {
      return (await tokens.issue(userId, ttlS)).token;
    },
    health,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(refresher);
        server.close(); // also closes the connections idle now; the rest are cut below
        catalog.close(); // no more reloads; ends the consoles' catalog event streams
        await supervisor.stop();
        await engines.shutdown('shutdown', 3000);
        for (const client of wss.clients) client.close(1001, 'server shutting down');
        // io.close() also waits for the HTTP server to close, i.e. for every connection to
        // end: the goodbyes above get a moment to go out, then what is left is cut.
        // Upgraded sockets are no longer the HTTP server's: a peer that stopped reading would
        // hold its WebSocket close for 30 s, so those are cut too.
        const cut = setTimeout(() => {
          server.closeAllConnections();
          for (const client of wss.clients) client.terminate();
          const sessions = (io.engine as unknown as { clients: Record<string, { transport?: { socket?: { terminate?(): void } } }> }).clients;
          for (const session of Object.values(sessions)) session.transport?.socket?.terminate?.();
        }, 250);
        await io.close().catch(() => undefined);
        clearTimeout(cut);
        await publisher.stop().catch(() => undefined);
        await liveTraces?.shutdown();
        await Promise.all(registry.all().map((c) => cache.removeConnection(c.userId, c.id).catch(() => undefined)));
        catalog.close();
        await mcp.close(); // stdio servers: stdin closed, then SIGTERM, then SIGKILL
        try {
          await store.close();
          await cache.close();
        } finally {
          lock?.release();
        }
      })();
      return closing;
    },
  };
}

/** The agents built from configuration: the LLM agent and agents over HTTP. Throws one line. */
function configuredAgents(config: BackendConfig): ExtraAgent[] {
  const extra: ExtraAgent[] = [];
  if (config.llm) {
    const { model, baseUrl, apiKey, idleTimeoutMs, timeoutMs, maxRounds, maxRetries, systemPrompt, maxAnswerChars, maxReasoningChars, maxToolCallsPerTurn } =
      config.llm;
    const agent = createLlmAgent({
      model,
      baseURL: baseUrl,
      apiKey,
      idleTimeoutMs,
      timeoutMs,
      maxRounds,
      maxRetries,
      systemPrompt,
      maxAnswerChars,
      maxReasoningChars,
      maxToolCallsPerTurn,
    });
    extra.push({ agent, source: 'llm', origin: displayUrl(new URL(baseUrl ?? DEFAULT_LLM_BASE_URL)) });
  }
  // Agents over HTTP: Flowscope's NDJSON, or AG-UI with --agent-protocol name=ag-ui (docs/ag-ui.md).
  for (const { agent, origin, protocol } of configuredUrlAgents(config)) extra.push({ agent, source: protocol === 'ag-ui' ? 'ag-ui' : 'http', origin });
  return extra;
}
