/**
 * A small route table: method + path pattern (`/api/runs/:runId/events`), matched against
 * the decoded path segments, so a `:param` may hold an encoded `/`
 * (`/api/scenarios/golden%2Fcomplete-flow`). A path that matches no pattern is `none`; a path
 * that matches with another method is `method`, with the methods it does allow (for 405 and
 * its `Allow` header).
 */
export type RouteParams = Readonly<Record<string, string>>;

type Segment = { literal: string } | { param: string };

interface Route<H> {
  method: string;
  pattern: string;
  segments: Segment[];
  handler: H;
}

export type RouteMatch<H> = { kind: 'found'; handler: H; params: RouteParams; pattern: string } | { kind: 'method'; allow: string[] } | { kind: 'none' };

function parsePattern(pattern: string): Segment[] {
  if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
  return pattern
    .split('/')
    .filter(Boolean)
    .map((part) => {
      if (!part.startsWith(':')) return { literal: part };
      const name = part.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`route pattern ${pattern}: bad parameter name "${part}"`);
      return { param: name };
    });
}

function matchSegments(route: Segment[], path: readonly string[]): Record<string, string> | null {
  if (route.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const want = route[i]!;
    const got = path[i]!;
    if ('literal' in want) {
      if (want.literal !== got) return null;
    } else {
      params[want.param] = got;
    }
  }
  return params;
}

export class RouteTable<H> {
  readonly #routes: Route<H>[] = [];

  /** Adds a route; the first added of two that match the same request wins. */
  add(method: string, pattern: string, handler: H): this {
    const upper = method.toUpperCase();
    const segments = parsePattern(pattern);
    const names = segments.flatMap((s) => ('param' in s ? [s.param] : []));
    if (new Set(names).size !== names.length) throw new Error(`route pattern ${pattern}: a parameter name twice`);
    if (this.#routes.some((r) => r.method === upper && r.pattern === pattern)) throw new Error(`route ${upper} ${pattern} added twice`);
    this.#routes.push({ method: upper, pattern, segments, handler });
    return this;
  }

  /** `path`: the request's decoded, non-empty segments (`/api//runs/` is `['api', 'runs']`). */
  match(method: string, path: readonly string[]): RouteMatch<H> {
    const upper = method.toUpperCase();
    const allow: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, path);
      if (params === null) continue;
      if (route.method === upper) return { kind: 'found', handler: route.handler, params, pattern: route.pattern };
      if (!allow.includes(route.method)) allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'method', allow } : { kind: 'none' };
  }
}
