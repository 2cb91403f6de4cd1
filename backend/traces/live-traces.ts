/**
 * Live OpenTelemetry export: with OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set (and OTEL_SDK_DISABLED not `true`), each run that
 * ends on this process becomes spans (run-spans.ts) sent through the OpenTelemetry JS SDK:
 * a TracerProvider with a BatchSpanProcessor and the OTLP/HTTP (JSON) exporter. The exporter
 * reads its OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, compression) and the
 * resource detector OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; the SDK 2.x reads no other
 * variable, so OTEL_BSP_* and OTEL_TRACES_SAMPLER(_ARG) are read here (sdkSettingsFromEnv).
 * Without an endpoint nothing of the SDK is loaded: the publisher's hook costs one comparison
 * per event.
 *
 * A run's spans are built when its agent_completed is published, from the run's stored
 * record and events (committed before anything is published), off the delivery path. Their
 * ids are the file export's (derived from the run id), so both are the same trace.
 */
import type { RunEventEnvelope, ServerEnvelope } from '../../protocol/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { RunRecord } from '../store/store-types.ts';
import { FlowscopeAttr, TRACE_SCOPE, traceOptionsFromEnv, type GenAiTraceOptions } from './genai-attributes.ts';
import { spanIdOf, traceIdOf } from './otlp-file.ts';
import { runSpans, type SpanModel } from './run-spans.ts';

export interface LiveTraceSource {
  getRun(runId: string): Promise<RunRecord | null>;
  listEvents(runId: string, afterSeq: number): Promise<Array<{ envelope: RunEventEnvelope }>>;
}

export interface LiveTraces {
  /** The publisher's `emitted` hook. */
  emitted(envelope: ServerEnvelope): void;
  /** Waits for the runs being turned into spans, then exports what is queued. */
  flush(): Promise<void>;
  /**
   * Flushes and stops the SDK, waiting at most `deadlineMs` (default 5 s) for the collector: a
   * collector that does not answer must not hold the backend's shutdown for the exporter's
   * whole timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s).
   */
  shutdown(deadlineMs?: number): Promise<void>;
}

/** How long shutdown waits for the collector to take the last spans. */
export const SHUTDOWN_DEADLINE_MS = 5000;

/** Whether the environment asks for live export. */
export function liveTracesWanted(env: Record<string, string | undefined>): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export interface SdkSettings {
  batch: { scheduledDelayMillis?: number; exportTimeoutMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number };
  /** OTEL_TRACES_SAMPLER: always_on (default), always_off, traceidratio, parentbased_* (a run's spans are one trace: parent-based is the same as its root's). */
  sampler: { kind: 'always_on' | 'always_off' | 'ratio'; ratio: number };
}

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The OTEL_BSP_* and OTEL_TRACES_SAMPLER settings (the spec's names and defaults). */
export function sdkSettingsFromEnv(env: Record<string, string | undefined>): SdkSettings {
  const batch: SdkSettings['batch'] = {};
  const set = (key: keyof SdkSettings['batch'], name: string) => {
    const v = positive(env[name]);
    if (v !== undefined) batch[key] = v;
  };
  set('scheduledDelayMillis', 'OTEL_BSP_SCHEDULE_DELAY');
  set('exportTimeoutMillis', 'OTEL_BSP_EXPORT_TIMEOUT');
  set('maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE');
  set('maxExportBatchSize', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
  const name = (env.OTEL_TRACES_SAMPLER ?? '')
    .trim()
    .toLowerCase()
    .replace(/^parentbased_/, '');
  const arg = positive(env.OTEL_TRACES_SAMPLER_ARG);
  const sampler: SdkSettings['sampler'] =
    name === 'always_off'
      ? { kind: 'always_off', ratio: 0 }
      : name === 'traceidratio'
        ? { kind: 'ratio', ratio: Math.min(1, arg ?? 1) }
        : { kind: 'always_on', ratio: 1 };
  return { batch, sampler };
}

/** Where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces` (the spec's rule). */
export function tracesUrl(env: Record<string, string | undefined>): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  return `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim().replace(/\/+$/, '')}/v1/traces`;
}

/** Starts live export when the environment asks for it; undefined otherwise (nothing loaded). */
export async function startLiveTraces(
  source: LiveTraceSource,
  log: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<LiveTraces | undefined> {
  if (!liveTracesWanted(env)) return undefined;
  const [api, sdk, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': 'flowscope' }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const exporter = new exporterModule.OTLPTraceExporter({ url: tracesUrl(env) });
  const settings = sdkSettingsFromEnv(env);
  const sampler =
    settings.sampler.kind === 'always_off'
      ? new sdk.AlwaysOffSampler()
      : settings.sampler.kind === 'ratio'
        ? new sdk.TraceIdRatioBasedSampler(settings.sampler.ratio)
        : new sdk.AlwaysOnSampler();
  // The ids a file export gives the same run (otlp-file.ts): a run sent live and later imported
  // from a file is one trace, and its trace id can be found from its run id.
  const random = new sdk.RandomIdGenerator();
  let nextIds: { traceId: string; spanId: string } | undefined;
  const idGenerator = {
    generateTraceId: () => nextIds?.traceId ?? random.generateTraceId(),
    generateSpanId: () => nextIds?.spanId ?? random.generateSpanId(),
  };
  const provider = new sdk.TracerProvider({
    resource,
    idGenerator,
    sampler: new sdk.ParentBasedSampler({ root: sampler }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, ...settings.batch })],
  });
  const tracer = provider.getTracer(TRACE_SCOPE);
  const options: GenAiTraceOptions = traceOptionsFromEnv(env);
  const pending = new Set<Promise<void>>();
  const KIND = { internal: api.SpanKind.INTERNAL, client: api.SpanKind.CLIENT } as const;
  const STATUS = { unset: api.SpanStatusCode.UNSET, ok: api.SpanStatusCode.OK, error: api.SpanStatusCode.ERROR } as const;

  function emit(runId: string, models: SpanModel[]): void {
    const started = new Map<string, ReturnType<typeof tracer.startSpan>>();
    for (const model of models) {
      const parent = model.parentKey ? started.get(model.parentKey) : undefined;
      const ctx = parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT;
      nextIds = { traceId: traceIdOf(runId), spanId: spanIdOf(runId, model.key) };
      let span: ReturnType<typeof tracer.startSpan>;
      try {
        span = tracer.startSpan(model.name, { kind: KIND[model.kind], startTime: model.startMs, attributes: model.attributes, root: !parent }, ctx);
      } finally {
        nextIds = undefined;
      }
      for (const e of model.events) span.addEvent(e.name, e.attributes, e.timeMs);
      if (model.status.code !== 'unset')
        span.setStatus({ code: STATUS[model.status.code], ...(model.status.message !== undefined ? { message: model.status.message } : {}) });
      started.set(model.key, span);
    }
    // Children first, so every span has ended when its parent does.
    for (const model of [...models].reverse()) started.get(model.key)?.end(model.endMs);
  }

  async function exportRun(runId: string, lagMs: number): Promise<void> {
    const run = await source.getRun(runId);
    if (!run) return;
    const events = (await source.listEvents(runId, 0)).map((e) => e.envelope);
    emit(run.id, runSpans(run, events, options, { [FlowscopeAttr.DELIVERY_LAG_MS]: lagMs }));
  }

  return {
    emitted(envelope) {
      if (envelope.type !== 'agent_completed' || typeof envelope.run_id !== 'string') return;
      const lag = Math.max(0, Date.now() - Date.parse(envelope.timestamp));
      const job = exportRun(envelope.run_id, Number.isFinite(lag) ? lag : 0).catch((err: unknown) =>
        log('warn', `traces: run ${String(envelope.run_id)} could not be turned into spans`, err),
      );
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },
    async flush() {
      await Promise.all([...pending]);
      await provider.forceFlush().catch((err: unknown) => log('warn', 'traces: the collector did not take the spans', err));
    },
    async shutdown(deadlineMs = SHUTDOWN_DEADLINE_MS) {
      await Promise.all([...pending]);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), deadlineMs);
        timer.unref();
      });
      const done = provider.shutdown().then(
        () => 'done' as const,
        (err: unknown) => log('warn', 'traces: the exporter did not shut down cleanly', err),
      );
      const outcome = await Promise.race([done, late]);
      clearTimeout(timer);
      if (outcome === 'late') log('warn', `traces: the collector did not take the last spans within ${deadlineMs} ms; shutting down without them`);
    },
  };
}
