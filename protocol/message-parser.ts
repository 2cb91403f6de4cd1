/**
 * The inbound half of the protocol as one pure function: size limit, safe JSON parsing,
 * normalization, schema validation. The backend's reception stage and the console's
 * composer use the same function, so the console shows exactly what the server will say.
 */
import type { ClientEnvelope } from './envelope-types.ts';
import { CLIENT_MESSAGE_TYPES, CLIENT_SCHEMAS } from './envelope-schemas.ts';
import { ErrorCode } from './error-codes.ts';
import { inboundMessageBytes, MAX_MESSAGE_BYTES } from './limits.ts';
import { normalizeMessage } from './message-normalizer.ts';
import { safeJsonParse, sanitizeJsonValue } from './safe-json.ts';

export interface ValidationIssue {
  path: string;
  message: string;
}

export type ParseFailure = {
  ok: false;
  code: ErrorCode;
  message: string;
  /** The client's `message_id`, when one could be read, echoed in the error. */
  messageId: string | null;
  details?: { issues?: ValidationIssue[]; bytes?: number; limit?: number; type?: string; reason?: string };
};

export type ParseResult = { ok: true; envelope: ClientEnvelope; bytes: number } | ParseFailure;

function readMessageId(value: unknown): string | null {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const id = (value as Record<string, unknown>).message_id;
    if (typeof id === 'string' && id.length > 0 && id.length <= 128) return id;
  }
  return null;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function isClientMessageType(type: string): type is (typeof CLIENT_MESSAGE_TYPES)[number] {
  return (CLIENT_MESSAGE_TYPES as readonly string[]).includes(type) && Object.hasOwn(CLIENT_SCHEMAS, type);
}

const MAX_NUL_PATHS = 20;

/** Paths of every string (value or key) that contains U+0000, at most MAX_NUL_PATHS. */
export function findNulStrings(value: unknown): string[] {
  const found: string[] = [];
  const visit = (item: unknown, path: string[]): void => {
    if (found.length >= MAX_NUL_PATHS) return;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) found.push(formatPath(path));
      return;
    }
    if (Array.isArray(item)) {
      item.forEach((child, i) => visit(child, [...path, String(i)]));
      return;
    }
    if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const safeKey = key.replaceAll('\u0000', '\\u0000');
        if (key !== safeKey && found.length < MAX_NUL_PATHS) found.push(formatPath([...path, safeKey]));
        visit(child, [...path, safeKey]);
      }
    }
  };
  visit(value, []);
  return found;
}

export function parseInboundMessage(raw: unknown, limit: number = MAX_MESSAGE_BYTES): ParseResult {
  const bytes = inboundMessageBytes(raw);
  if (bytes > limit) {
    return {
      ok: false,
      code: ErrorCode.MESSAGE_TOO_LARGE,
      message: `Message is ${bytes} bytes; the limit is ${limit} bytes.`,
      messageId: null,
      details: { bytes, limit },
    };
  }

  const decoded = typeof raw === 'string' ? safeJsonParse(raw) : sanitizeJsonValue(raw);
  if (!decoded.ok) {
    return {
      ok: false,
      code: ErrorCode.INVALID_JSON,
      message: `Message is not valid JSON: ${decoded.reason}.`,
      messageId: null,
      details: { reason: decoded.reason },
    };
  }

  const normalized = normalizeMessage(decoded.value);
  const messageId = readMessageId(normalized);

  if (normalized === null || typeof normalized !== 'object' || Array.isArray(normalized)) {
    const kind = normalized === null ? 'null' : Array.isArray(normalized) ? 'array' : typeof normalized;
    return {
      ok: false,
      code: ErrorCode.VALIDATION_FAILED,
      message: `A message must be a JSON object or string, not ${kind}.`,
      messageId,
      details: { issues: [{ path: '(root)', message: `expected object or string, received ${kind}` }] },
    };
  }

  const nulPaths = findNulStrings(normalized);
  if (nulPaths.length > 0) {
    const issues = nulPaths.map((path) => ({ path, message: 'must not contain the NUL character (\\u0000)' }));
    return {
      ok: false,
      code: ErrorCode.VALIDATION_FAILED,
      message: `NUL characters (\\u0000) are not accepted: ${nulPaths.join(', ')}`.slice(0, 500),
      messageId,
      details: { issues },
    };
  }

  const type = (normalized as Record<string, unknown>).type;
  if (typeof type !== 'string') {
    return {
      ok: false,
      code: ErrorCode.VALIDATION_FAILED,
      message: type === undefined ? 'Message has no type.' : 'Message type must be a string.',
      messageId,
      details: { issues: [{ path: 'type', message: type === undefined ? 'required' : `expected string, received ${type === null ? 'null' : typeof type}` }] },
    };
  }
  if (!isClientMessageType(type)) {
    return {
      ok: false,
      code: ErrorCode.UNKNOWN_TYPE,
      message: `Unknown message type "${type.slice(0, 64)}". Known types: ${CLIENT_MESSAGE_TYPES.join(', ')}.`,
      messageId,
      details: { type: type.slice(0, 64) },
    };
  }

  const schema = CLIENT_SCHEMAS[type];
  const result = schema.safeParse(normalized);
  if (!result.success) {
    const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
    }));
    return {
      ok: false,
      code: ErrorCode.VALIDATION_FAILED,
      message: `Invalid ${type}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`.slice(0, 500),
      messageId,
      details: { issues },
    };
  }
  return { ok: true, envelope: result.data as ClientEnvelope, bytes };
}
