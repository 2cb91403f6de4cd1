/**
 * Why a request from the console to a target failed, in words a user can act on: a browser
 * reports a CORS refusal and an unreachable server alike (`Failed to fetch`), so a second,
 * opaque (`no-cors`) request tells them apart: it succeeds when the server answered.
 */
import { ApiError } from '../../../client/rest-client.ts';

export interface FetchProblem {
  kind: 'cors' | 'unreachable' | 'other';
  message: string;
  /** For `cors`: the value of ALLOWED_ORIGINS the target needs. */
  origin?: string;
}

export function corsFix(origin: string): string {
  return `ALLOWED_ORIGINS=${origin}`;
}

export async function explainFailure(baseUrl: string, err: unknown): Promise<FetchProblem> {
  const unreachable = (err instanceof ApiError && err.code === 'UNREACHABLE') || err instanceof TypeError;
  if (!unreachable) return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
  const origin = window.location.origin;
  let target: string;
  try {
    target = new URL(baseUrl).origin;
  } catch {
    return { kind: 'other', message: `${baseUrl} is not a URL` };
  }
  if (target !== origin) {
    try {
      await fetch(`${baseUrl.replace(/\/$/, '')}/health`, { mode: 'no-cors', cache: 'no-store' });
      return {
        kind: 'cors',
        origin,
        message: `${target} answered, but its CORS policy does not allow this console's origin (${origin}). Start that backend with ${corsFix(origin)} (or --allowed-origins ${origin}).`,
      };
    } catch {
      // not reachable either
    }
  }
  return { kind: 'unreachable', message: `${baseUrl} is unreachable (nothing answers there: is the backend running?)` };
}
