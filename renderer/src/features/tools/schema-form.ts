/**
 * A tool's arguments as a form, from its JSON Schema (pure; tested in Node): each property a
 * field by kind (string, number, integer, boolean, enum, nested object, array; anything the
 * form cannot edit, a small JSON field; `oneOf` / `anyOf`, a pick of the variant then its
 * fields), required ones marked. The form edits
 * one value, the arguments object; the raw JSON mode edits its text, and the two stay in step:
 * an edit in the form rewrites the text, a text that parses to an object becomes the value.
 */

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'array' | 'json';

export interface FormField {
  /** The property name ('' for an array's items). */
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string | undefined;
  /** `enum` values (any JSON). */
  options?: unknown[] | undefined;
  /** `object`: its properties, in the schema's order. */
  fields?: FormField[] | undefined;
  /** `array`: the field of each item. */
  items?: FormField | undefined;
  /** The schema's `default`, shown as the placeholder. */
  defaultValue?: unknown;
  /** `oneOf` / `anyOf` (kind `json`): each variant, by its title (or its kind and number). */
  variants?: FieldVariant[] | undefined;
}

export interface FieldVariant {
  label: string;
  field: FormField;
}

/** Where a field's value sits in the arguments: property names and array indexes. */
export type FieldPath = ReadonlyArray<string | number>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(schema: Record<string, unknown>): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'enum';
  if (schema.const !== undefined) return 'enum';
  const type = schema.type;
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean' || type === 'array') return type;
  if (type === 'object' || (type === undefined && isObject(schema.properties))) return 'object';
  return 'json';
}

/** The field of one schema (`name` and `required` as its parent says). */
export function fieldOf(schema: unknown, name: string, required: boolean): FormField {
  const s = isObject(schema) ? schema : {};
  const kind = kindOf(s);
  const field: FormField = { name, kind, required };
  if (typeof s.description === 'string') field.description = s.description;
  if (s.default !== undefined) field.defaultValue = s.default;
  if (kind === 'enum') field.options = Array.isArray(s.enum) ? [...(s.enum as unknown[])] : [s.const];
  if (kind === 'object') field.fields = fieldsOf(s);
  if (kind === 'array') field.items = fieldOf(Array.isArray(s.items) ? s.items[0] : s.items, '', true);
  const alternatives = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : null;
  if (kind === 'json' && alternatives && alternatives.length > 0) {
    field.variants = alternatives.map((alternative: unknown, i) => {
      const variant = fieldOf(alternative, name, required);
      const title = isObject(alternative) && typeof alternative.title === 'string' ? alternative.title : `${variant.kind} ${i + 1}`;
      return { label: title, field: variant };
    });
  }
  return field;
}

/** The fields of an object schema's properties, required ones marked. */
export function fieldsOf(schema: unknown): FormField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  return Object.entries(schema.properties).map(([name, property]) => fieldOf(property, name, required.has(name)));
}

function fitsKind(field: FormField, value: unknown): boolean {
  switch (field.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'enum':
      return (field.options ?? []).some((o) => JSON.stringify(o) === JSON.stringify(value));
    case 'array':
      return Array.isArray(value);
    case 'object': {
      if (!isObject(value)) return false;
      const fields = field.fields ?? [];
      const names = new Set(fields.map((f) => f.name));
      return fields.every((f) => !f.required || value[f.name] !== undefined) && (fields.length === 0 || Object.keys(value).every((k) => names.has(k)));
    }
    case 'json':
      return true;
  }
}

/** The variant of a `oneOf` / `anyOf` field a value is (its kind, an object's required keys present and no others); -1 for none. */
export function variantIndexOf(field: FormField, value: unknown): number {
  if (value === undefined || !field.variants) return -1;
  return field.variants.findIndex((v) => fitsKind(v.field, value));
}

/** A fresh value of a field: what an added array item starts as (a required object: its required fields). */
export function emptyValue(field: FormField): unknown {
  if (field.defaultValue !== undefined) return structuredClone(field.defaultValue);
  switch (field.kind) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'enum':
      return field.options?.[0] ?? null;
    case 'array':
      return [];
    case 'object':
      return initialArguments(field.fields ?? []);
    case 'json':
      return null;
  }
}

/** The arguments a form starts with: the defaults given, required nested objects and arrays present. */
export function initialArguments(fields: readonly FormField[]): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.defaultValue !== undefined) value[field.name] = structuredClone(field.defaultValue);
    else if (field.required && (field.kind === 'object' || field.kind === 'array')) value[field.name] = emptyValue(field);
  }
  return value;
}

/** The value at `path` (undefined when absent). */
export function valueAt(root: unknown, path: FieldPath): unknown {
  let at = root;
  for (const key of path) {
    if (typeof key === 'number') at = Array.isArray(at) ? at[key] : undefined;
    else at = isObject(at) ? at[key] : undefined;
  }
  return at;
}

/**
 * A copy of `root` with `value` at `path`; `undefined` removes an object's key (an optional
 * field left empty is not sent). Missing objects on the way are created.
 */
export function setAt(root: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path as [string | number, ...Array<string | number>];
  if (typeof key === 'number') {
    const list = Array.isArray(root) ? [...(root as unknown[])] : [];
    list[key] = setAt(list[key], rest, value);
    return list;
  }
  const object = isObject(root) ? { ...root } : {};
  const next = setAt(object[key], rest, value);
  if (next === undefined) delete object[key];
  else object[key] = next;
  return object;
}

/** A copy of `root` without the array item at `path` (its last part is the index). */
export function removeItemAt(root: unknown, path: FieldPath): unknown {
  const index = path.at(-1);
  if (typeof index !== 'number') return root;
  const list = valueAt(root, path.slice(0, -1));
  if (!Array.isArray(list)) return root;
  return setAt(
    root,
    path.slice(0, -1),
    list.filter((_, i) => i !== index),
  );
}

/** How an input's text becomes a field's value: undefined (key left out) when empty or unreadable. */
export function readInput(field: FormField, text: string): unknown {
  switch (field.kind) {
    case 'string':
      return text === '' && !field.required ? undefined : text;
    case 'number':
    case 'integer': {
      if (text.trim() === '') return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return text === '' ? undefined : text === 'true';
    case 'enum':
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    default: {
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
  }
}

/** The text of the raw JSON mode for a value. */
export function argumentsText(value: unknown): string {
  return JSON.stringify(value ?? {}, null, 2);
}

/** The raw JSON mode's text read back: the arguments object, or why it is not one. */
export function parseArgumentsText(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isObject(value)) return { ok: false, error: 'the arguments must be a JSON object ({...})' };
  return { ok: true, value };
}

/** Required fields that have no value, as paths like `args.city` (the form marks them; the server has the last word). */
export function missingRequired(fields: readonly FormField[], value: unknown, prefix = 'args'): string[] {
  const missing: string[] = [];
  for (const field of fields) {
    const here = isObject(value) ? value[field.name] : undefined;
    const path = `${prefix}.${field.name}`;
    if (here === undefined) {
      if (field.required) missing.push(path);
      continue;
    }
    if (field.kind === 'object') missing.push(...missingRequired(field.fields ?? [], here, path));
    if (field.kind === 'array' && field.items?.kind === 'object' && Array.isArray(here)) {
      here.forEach((item, i) => missing.push(...missingRequired(field.items?.fields ?? [], item, `${path}[${i}]`)));
    }
  }
  return missing;
}

/** `args.a[0].b` for a field path. */
export function pathLabel(path: FieldPath): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`), 'args');
}
