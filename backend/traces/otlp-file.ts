/**
 * Runs as one OTLP/JSON ExportTraceServiceRequest (what an OTLP/HTTP collector receives and
 * what Jaeger, Grafana Tempo, Langfuse and Phoenix import), encoded by the OpenTelemetry JS
 * transformer that the live exporter uses too. Ids are derived from the run id (trace id:
 * the first 16 bytes of SHA-256 of it; span ids from it and the span's key), so exporting a
 * run twice gives the same trace and a viewer does not show it twice.
 *
 * The OpenTelemetry packages are loaded on the first export (synchronously, their CommonJS
 * builds), so a backend that never exports does not load them.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type * as OtelCore from '@opentelemetry/core';
import type * as OtelTransformer from '@opentelemetry/otlp-transformer';
import type * as OtelResources from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ExportRun } from '../export/export-registry.ts';
import { TRACE_SCOPE, type GenAiTraceOptions } from './genai-attributes.ts';
import { runSpans, type SpanModel } from './run-spans.ts';

function hex(text: string, bytes: number): string {
  return createHash('sha256')
    .update(text)
    .digest('hex')
    .slice(0, bytes * 2);
}

export function traceIdOf(runId: string): string {
  return hex(`flowscope-run:${runId}`, 16);
}

export function spanIdOf(runId: string, key: string): string {
  return hex(`flowscope-span:${runId}:${key}`, 8);
}

interface OtelModules {
  api: typeof OtelApi;
  core: typeof OtelCore;
  transformer: typeof OtelTransformer;
  resources: typeof OtelResources;
}
let loaded: OtelModules | undefined;
function otel(): OtelModules {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = {
      api: require('@opentelemetry/api') as OtelModules['api'],
      core: require('@opentelemetry/core') as OtelModules['core'],
      transformer: require('@opentelemetry/otlp-transformer') as OtelModules['transformer'],
      resources: require('@opentelemetry/resources') as OtelModules['resources'],
    };
  }
  return loaded;
}

function hrDiff(a: HrTime, b: HrTime): HrTime {
  let s = b[0] - a[0];
  let n = b[1] - a[1];
  if (n < 0) {
    s -= 1;
    n += 1e9;
  }
  return [s, n];
}

/** A finished span as the SDK's exporters take it. */
export function toReadableSpan(runId: string, model: SpanModel, resource: ReadableSpan['resource']): ReadableSpan {
  const { api, core } = otel();
  const { SpanKind, SpanStatusCode, TraceFlags } = api;
  const millisToHrTime = core.millisToHrTime;
  const KIND = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT } as const;
  const STATUS = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR } as const;
  const traceId = traceIdOf(runId);
  const context = { traceId, spanId: spanIdOf(runId, model.key), traceFlags: TraceFlags.SAMPLED };
  const startTime = millisToHrTime(model.startMs);
  const endTime = millisToHrTime(model.endMs);
  return {
    name: model.name,
    kind: KIND[model.kind],
    spanContext: () => context,
    ...(model.parentKey ? { parentSpanContext: { traceId, spanId: spanIdOf(runId, model.parentKey), traceFlags: TraceFlags.SAMPLED } } : {}),
    startTime,
    endTime,
    duration: hrDiff(startTime, endTime),
    status: { code: STATUS[model.status.code], ...(model.status.message !== undefined ? { message: model.status.message } : {}) },
    attributes: model.attributes,
    links: [],
    events: model.events.map((e) => ({ name: e.name, time: millisToHrTime(e.timeMs), attributes: e.attributes })),
    ended: true,
    resource,
    instrumentationScope: { name: TRACE_SCOPE },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The OTLP/JSON text of these runs (one resource `service.name: flowscope`, one scope). */
export function otlpJson(runs: readonly ExportRun[], options: GenAiTraceOptions, serviceName = 'flowscope'): string {
  const { resources, transformer } = otel();
  const resource = resources.resourceFromAttributes({ 'service.name': serviceName });
  const spans: ReadableSpan[] = [];
  for (const { run, events } of runs) {
    for (const model of runSpans(run, events, options)) spans.push(toReadableSpan(run.id, model, resource));
  }
  const bytes = transformer.JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the OTLP JSON serializer returned nothing');
  return new TextDecoder().decode(bytes);
}
