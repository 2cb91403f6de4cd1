/**
 * What the scenario editor suggests and explains, read from the published JSON Schema
 * (docs/scenario.schema.json is `scenarioJsonSchema()` written out by `npm run schema`; the
 * console calls the same function, so the two never drift): the keys valid at a YAML path
 * (the step kinds in a step, a kind's fields), the values of an enum or a const, and a key's
 * type and description for the hover. Pure: the CodeMirror wiring is scenario-editor-assist.ts.
 */
import { scenarioJsonSchema } from '../../../../scenario/scenario-schema.ts';
import type { YamlPathSegment } from '../../ui/yaml-path.ts';

export type JsonSchema = Record<string, unknown>;

let published: JsonSchema | undefined;
/** The scenario JSON Schema, built once. */
export function scenarioSchema(): JsonSchema {
  published ??= scenarioJsonSchema();
  return published;
}

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A schema's alternatives with `$ref` followed and `anyOf`/`oneOf` flattened. */
function alternatives(root: JsonSchema, schema: unknown, depth = 0): JsonSchema[] {
  if (!isObject(schema) || depth > 16) return [];
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part] : undefined;
    return alternatives(root, target, depth + 1);
  }
  const branches = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(branches)) {
    // A description beside anyOf describes every branch.
    const own = typeof schema.description === 'string' ? { description: schema.description } : {};
    return branches.flatMap((b) => alternatives(root, b, depth + 1).map((s) => (own.description && !s.description ? { ...s, ...own } : s)));
  }
  return [schema];
}

const propertiesOf = (s: JsonSchema): Record<string, unknown> => (isObject(s.properties) ? s.properties : {});

/** The schemas (alternatives) of what `path` names; empty when the schema has nothing there. */
export function schemasAt(root: JsonSchema, path: readonly YamlPathSegment[]): JsonSchema[] {
  let current = alternatives(root, root);
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const s of current) {
      if (typeof seg === 'number') {
        if (isObject(s.items)) next.push(...alternatives(root, s.items));
      } else if (seg in propertiesOf(s)) {
        next.push(...alternatives(root, propertiesOf(s)[seg]));
      } else if (isObject(s.additionalProperties)) {
        next.push(...alternatives(root, s.additionalProperties));
      }
    }
    current = next;
  }
  return current;
}

/** A short type: `string`, `integer 1..600000`, `"ack" | "pong"`, `array of object`. */
export function typeSummary(root: JsonSchema, schema: unknown): string {
  const parts = alternatives(root, schema).map((s) => {
    if ('const' in s) return JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    const type = Array.isArray(s.type) ? s.type.join(' | ') : typeof s.type === 'string' ? s.type : 'any';
    if (type === 'array' && s.items) return `array of ${typeSummary(root, s.items)}`;
    const min = typeof s.minimum === 'number' ? s.minimum : undefined;
    const max = typeof s.maximum === 'number' ? s.maximum : undefined;
    if (min !== undefined || max !== undefined) return `${type} ${min ?? ''}..${max ?? ''}`;
    return type;
  });
  return [...new Set(parts)].join(' | ');
}

export interface KeyCandidate {
  key: string;
  /** Its type (typeSummary). */
  type: string;
  description?: string;
  /** Every shape that fits requires it. */
  required: boolean;
  /**
   * It picks one of several shapes: only some shapes have it, and each of those requires it
   * (a step's kind: `send` in a step). Not `required`: a step has one kind, not all of them.
   */
  kind: boolean;
}

const requires = (s: JsonSchema, key: string) => Array.isArray(s.required) && (s.required as string[]).includes(key);

/** required / kind of `key` among the object `shapes` that may hold it (see KeyCandidate). */
function keyRole(shapes: readonly JsonSchema[], key: string): { required: boolean; kind: boolean } {
  const owners = shapes.filter((s) => key in propertiesOf(s));
  const everyOwnerRequires = owners.length > 0 && owners.every((s) => requires(s, key));
  const required = everyOwnerRequires && owners.length === shapes.length;
  return { required, kind: everyOwnerRequires && !required };
}

/**
 * The keys valid in the mapping at `path`, minus those already there (`siblings`). Where
 * several object shapes fit (a step: one per kind), those that hold every sibling are used:
 * in a step that has `send:`, only the send step's other keys are offered.
 */
export function keyCandidates(root: JsonSchema, path: readonly YamlPathSegment[], siblings: readonly string[] = []): KeyCandidate[] {
  const objects = schemasAt(root, path).filter((s) => isObject(s.properties));
  const fitting = objects.filter((s) => siblings.every((k) => k in propertiesOf(s)));
  const shapes = fitting.length > 0 ? fitting : objects;
  const out = new Map<string, KeyCandidate>();
  for (const s of shapes) {
    for (const [key, prop] of Object.entries(propertiesOf(s))) {
      if (siblings.includes(key) || out.has(key)) continue;
      const description = descriptionOf(root, prop);
      out.set(key, { key, type: typeSummary(root, prop), ...keyRole(shapes, key), ...(description ? { description } : {}) });
    }
  }
  return [...out.values()];
}

function descriptionOf(root: JsonSchema, schema: unknown): string | undefined {
  if (isObject(schema) && typeof schema.description === 'string') return schema.description;
  for (const s of alternatives(root, schema)) if (typeof s.description === 'string') return s.description;
  return undefined;
}

/** The fixed values a key takes (enum, const, boolean), as YAML scalars. */
export function valueCandidates(root: JsonSchema, path: readonly YamlPathSegment[]): string[] {
  const out = new Set<string>();
  for (const s of schemasAt(root, path)) {
    if ('const' in s && (typeof s.const === 'string' || typeof s.const === 'number' || typeof s.const === 'boolean')) out.add(String(s.const));
    if (Array.isArray(s.enum)) for (const v of s.enum) if (typeof v !== 'object' || v === null) out.add(String(v));
    if (s.type === 'boolean') {
      out.add('true');
      out.add('false');
    }
    if (s.type === 'array' && isObject(s.items)) {
      // `event_types: [agent_started, ...]`: an enum of the items is offered too
      for (const item of alternatives(root, s.items)) if (Array.isArray(item.enum)) for (const v of item.enum) out.add(String(v));
    }
  }
  return [...out];
}

/** The hover of a key at `path` (the key last): `path` · type · required or kind, then its description. */
export function hoverDoc(
  root: JsonSchema,
  path: readonly YamlPathSegment[],
): { title: string; type: string; description?: string; required: boolean; kind: boolean } | undefined {
  const key = path[path.length - 1];
  if (typeof key !== 'string') return undefined;
  const parents = schemasAt(root, path.slice(0, -1));
  const owners = parents.filter((s) => key in propertiesOf(s));
  const props = owners.length > 0 ? owners.map((s) => propertiesOf(s)[key]) : parents.flatMap((s) => (isObject(s.additionalProperties) ? [s.additionalProperties] : []));
  if (props.length === 0) return undefined;
  const description = props.map((p) => descriptionOf(root, p)).find((d) => d !== undefined);
  const role = owners.length > 0 ? keyRole(parents.filter((s) => isObject(s.properties)), key) : { required: false, kind: false };
  const title = path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : seg)).join('.').replace(/\.\[/g, '[');
  return { title, type: typeSummary(root, props[0]), ...role, ...(description ? { description } : {}) };
}

/** The words after a key's type: `required`, `step kind` (a kind of a list item) or `kind`; '' otherwise. */
export function roleLabel(role: { required: boolean; kind: boolean }, path: readonly YamlPathSegment[]): string {
  if (role.required) return 'required';
  if (role.kind) return typeof path[path.length - 1] === 'number' ? 'step kind' : 'kind';
  return '';
}
