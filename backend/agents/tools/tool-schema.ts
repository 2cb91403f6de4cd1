/**
 * Tool parameter schemas: every tool declares the JSON Schema of its arguments, which is
 * what models are offered and what `callTool` checks before `execute` runs (Ajv, compiled
 * once per tool). A violation names the argument's path: `args.expression: must be string`.
 *
 * Compiling takes milliseconds (tens for the first schema): the catalog compiles each tool's
 * schema when the tool is registered (`prepareTool`), so no run's first call blocks the event
 * loop for it, and a bad schema fails registration with an error naming the tool.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { JsonSchemaObject, Tool } from '../agent-types.ts';

// ajv-formats is CommonJS: its default export arrives as the module object under Node's ESM.
const addFormats: FormatsPlugin = (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);
// `format` is checked (uri, email, date-time, uuid...: MCP servers' schemas use them) rather than
// ignored with a warning on stderr; a format Ajv does not know is ignored without one.
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true, logger: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();
/** Each registered tool's validator (its `parameters` as read at registration). */
const prepared = new WeakMap<object, ValidateFunction>();

export class ToolSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolSchemaError';
  }
}

/** `/a/0/b` → `args.a[0].b`. */
function argPath(error: ErrorObject): string {
  let path = 'args';
  for (const part of error.instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
  }
  if (error.keyword === 'required') path += `.${String((error.params as { missingProperty: string }).missingProperty)}`;
  if (error.keyword === 'additionalProperties') {
    path += `.${String((error.params as { additionalProperty: string }).additionalProperty)}`;
  }
  return path;
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties') return 'is not an accepted argument';
  return error.message ?? 'is invalid';
}

/** Throws ToolSchemaError unless `schema` is a compilable JSON Schema with `type: 'object'`. */
export function checkParameterSchema(schema: unknown, where: string): JsonSchemaObject {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new ToolSchemaError(`${where}: parameters must be a JSON Schema object`);
  }
  if ((schema as { type?: unknown }).type !== 'object') {
    throw new ToolSchemaError(`${where}: parameters must have "type": "object" (the arguments are an object)`);
  }
  try {
    validatorFor(schema as JsonSchemaObject);
  } catch (err) {
    throw new ToolSchemaError(`${where}: parameters is not a valid JSON Schema (${err instanceof Error ? err.message : String(err)})`);
  }
  return schema as JsonSchemaObject;
}

function validatorFor(schema: JsonSchemaObject): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Compiles `tool`'s schema now (at registration); throws ToolSchemaError naming the tool when
 * it is not a valid JSON Schema object. Later checks of its arguments reuse the validator.
 */
export function prepareTool(tool: Pick<Tool, 'name' | 'parameters'>): void {
  if (prepared.has(tool)) return;
  const schema = checkParameterSchema(tool.parameters, `tool '${tool.name}'`);
  prepared.set(tool, validatorFor(schema));
}

/** The problems of `args` against the tool's schema, one line each (empty when valid). */
export function argumentProblems(tool: Pick<Tool, 'parameters'>, args: Record<string, unknown>): string[] {
  const validate = prepared.get(tool) ?? validatorFor(tool.parameters);
  if (validate(args)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const error of validate.errors ?? []) {
    const line = `${argPath(error)}: ${describe(error)}`;
    if (!seen.has(line)) {
      seen.add(line);
      problems.push(line);
    }
  }
  return problems;
}
