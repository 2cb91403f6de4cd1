/**
 * `{{path}}` templates in scenario values. A string that is exactly one template yields the
 * value itself (a number stays a number); a template inside a longer string is
 * stringified. Unknown names are errors, never empty strings.
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type TemplateScope = Record<string, unknown>;

const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;
const ANY = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** Looks up a dotted path (`a.b.0.c`) in the scope. */
export function lookupPath(scope: TemplateScope, path: string): { found: true; value: unknown } | { found: false; missing: string } {
  const parts = path.split('.');
  let cur: unknown = scope;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i] as string;
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) {
      return { found: false, missing: parts.slice(0, i + 1).join('.') };
    }
    cur = (cur as Record<string, unknown>)[key];
  }
  return { found: true, value: cur };
}

function resolve(scope: TemplateScope, expr: string): unknown {
  const result = lookupPath(scope, expr);
  if (!result.found) {
    const known = Object.keys(scope)
      .filter((k) => scope[k] !== undefined)
      .sort()
      .join(', ');
    throw new TemplateError(`{{${expr}}}: "${result.missing}" is not defined (defined: ${known || 'nothing'})`);
  }
  return result.value;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function renderString(text: string, scope: TemplateScope): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return resolve(scope, whole[1] as string);
  if (!text.includes('{{')) return text;
  return text.replace(ANY, (_m, expr: string) => stringify(resolve(scope, expr)));
}

/** Renders every string in a JSON-like value; objects and arrays are copied. */
export function renderValue<T>(value: T, scope: TemplateScope): T {
  if (typeof value === 'string') return renderString(value, scope) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => renderValue(v, scope)) as T;
  if (value !== null && typeof value === 'object') {
    // {$literal: ...} is taken as written: the way to send text that contains `{{`.
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$literal') return (value as unknown as { $literal: T }).$literal;
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: a `__proto__` key stays a plain key (bad-input scenarios send it).
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: renderValue(v, scope), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}

/** Renders a value that must be a string (ids, names). */
export function renderText(value: string, scope: TemplateScope): string {
  return stringify(renderString(value, scope));
}
