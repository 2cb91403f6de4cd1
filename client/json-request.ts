/**
 * One JSON request to a Flowscope HTTP API, shared by the REST and scenario library
 * clients: an unreachable server and a non-JSON error page become clear errors, and an
 * `{ error: { code, message, details } }` body becomes the error's code, message and details.
 */

export interface JsonRequestError {
  status: number;
  code: string;
  message: string;
  details: unknown;
}

/** `fetch failed` says nothing; its cause says ECONNREFUSED, ENOTFOUND, a TLS error... */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

export async function requestJson<T>(
  fetchImpl: typeof fetch,
  base: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string | undefined } = {},
  toError: (e: JsonRequestError) => Error,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let res: Response;
  try {
    res = await fetchImpl(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
  } catch (err) {
    throw toError({ status: 0, code: 'UNREACHABLE', message: `${base} is unreachable: ${describeFetchError(err)}`, details: undefined });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw toError({
      status: res.status,
      code: err?.code ?? `HTTP_${res.status}`,
      // A body that is not our error shape (an HTML page, a proxy's text) is summarised, not dumped.
      message: err?.message ?? `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${path} (not a Flowscope API answer)`,
      details: err?.details,
    });
  }
  return body as T;
}
