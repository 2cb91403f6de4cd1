/**
 * The `otlp` export format: OpenTelemetry GenAI spans as OTLP/JSON (backend/traces/otlp-file.ts).
 * Content (tool arguments and results, input, response, thoughts) only with
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, as for live export.
 */
import { traceOptionsFromEnv } from '../traces/genai-attributes.ts';
import { otlpJson } from '../traces/otlp-file.ts';
import type { ExportFormat } from './export-registry.ts';

export const otlpFormat: ExportFormat = {
  name: 'otlp',
  contentType: 'application/json',
  fileExtension: 'json',
  description: 'OpenTelemetry GenAI spans as OTLP/JSON (Jaeger, Grafana Tempo, Langfuse, Phoenix)',
  write: (runs, context) => {
    const env = context?.env ?? process.env;
    return otlpJson(runs, traceOptionsFromEnv(env), env.OTEL_SERVICE_NAME?.trim() || 'flowscope');
  },
};
