/**
 * An OTLP/HTTP trace receiver for tests: a real HTTP server at `/v1/traces` that decodes
 * OTLP/JSON (what @opentelemetry/exporter-trace-otlp-http sends) and keeps every span with its
 * resource and scope, plus helpers that check the OTLP JSON structure.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: OtlpAttribute[];
  events?: Array<{ name: string; timeUnixNano: string | number; attributes?: OtlpAttribute[] }>;
  status?: { code?: number; message?: string };
}

export interface OtlpRequest {
  resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

export interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly requests: Array<{ contentType: string | undefined; body: OtlpRequest }>;
  spans(): ReceivedSpan[];
  /** Resolves once `match` holds for the received spans (polls every 20 ms). */
  waitFor(match: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

export function attributeValue(a: OtlpAttribute): unknown {
  const v = a.value;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return undefined;
}

export function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, attributeValue(a)]));
}

/** Every structural problem of an OTLP/JSON ExportTraceServiceRequest (empty when it is well formed). */
export function otlpProblems(body: unknown): string[] {
  const problems: string[] = [];
  const req = body as OtlpRequest;
  if (!Array.isArray(req?.resourceSpans)) return ['resourceSpans is not an array'];
  req.resourceSpans.forEach((rs, i) => {
    if (!Array.isArray(rs.resource?.attributes)) problems.push(`resourceSpans[${i}].resource.attributes`);
    if (!Array.isArray(rs.scopeSpans)) problems.push(`resourceSpans[${i}].scopeSpans`);
    rs.scopeSpans?.forEach((ss, j) => {
      if (typeof ss.scope?.name !== 'string') problems.push(`resourceSpans[${i}].scopeSpans[${j}].scope.name`);
      ss.spans?.forEach((s, k) => {
        const at = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
        if (!/^[0-9a-f]{32}$/.test(s.traceId)) problems.push(`${at}.traceId ${s.traceId}`);
        if (!/^[0-9a-f]{16}$/.test(s.spanId)) problems.push(`${at}.spanId ${s.spanId}`);
        if (s.parentSpanId !== undefined && s.parentSpanId !== '' && !/^[0-9a-f]{16}$/.test(s.parentSpanId))
          problems.push(`${at}.parentSpanId ${s.parentSpanId}`);
        if (typeof s.name !== 'string' || s.name === '') problems.push(`${at}.name`);
        if (![1, 2, 3, 4, 5].includes(s.kind)) problems.push(`${at}.kind ${s.kind}`);
        for (const t of ['startTimeUnixNano', 'endTimeUnixNano'] as const) if (!/^\d{16,20}$/.test(String(s[t]))) problems.push(`${at}.${t} ${s[t]}`);
        if (BigInt(String(s.endTimeUnixNano)) < BigInt(String(s.startTimeUnixNano))) problems.push(`${at} ends before it starts`);
        if (!Array.isArray(s.attributes) || s.attributes.some((a) => typeof a.key !== 'string' || attributeValue(a) === undefined))
          problems.push(`${at}.attributes`);
      });
    });
  });
  return problems;
}

export function flattenSpans(body: OtlpRequest): ReceivedSpan[] {
  return body.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, resource: attributes(rs.resource.attributes), scope: ss.scope.name }))),
  );
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpReceiver['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      try {
        requests.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spans = () => requests.flatMap((r) => flattenSpans(r.body));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    spans,
    async waitFor(match, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = spans();
        if (match(now)) return now;
        if (Date.now() > until) throw new Error(`spans did not arrive within ${timeoutMs} ms; received: ${now.map((s) => s.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
