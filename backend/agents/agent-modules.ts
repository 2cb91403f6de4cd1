/**
 * Agent modules: a user's TypeScript or JavaScript file whose default export is an agent or
 * an array of agents, with an optional named export `tools` (a tool or an array of tools).
 * Loaded through tsx, each load in a fresh module namespace, so a reload runs the module's
 * current code and that of every file of the user's it imports (not node_modules).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { checkAgent } from './agent-registry.ts';
import type { Agent, Tool } from './agent-types.ts';
import { checkParameterSchema } from './tools/tool-schema.ts';

/** OpenAI's rule for function names, so every tool can be offered to a model. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A module that cannot be used: `message` is one line naming the file and the reason. */
export class AgentModuleError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`agent module ${file}: ${reason}`, options);
    this.name = 'AgentModuleError';
  }
}

export interface LoadedAgentModule {
  /** As the user gave it (for messages). */
  file: string;
  /** Absolute path. */
  path: string;
  agents: Agent[];
  tools: Tool[];
  /** The user's files this load read (the module and what it imports, outside node_modules). */
  files: string[];
}

/** Throws a one-line reason unless `tool` has the shape of the Tool contract. */
export function checkTool(tool: unknown): asserts tool is Tool {
  if (typeof tool !== 'object' || tool === null) throw new Error('a tool must be an object with name, description, parameters and execute');
  const t = tool as Partial<Tool>;
  if (typeof t.name !== 'string' || !TOOL_NAME_PATTERN.test(t.name)) {
    throw new Error(`invalid tool name ${JSON.stringify(t.name)}: 1-64 letters, digits, '_' or '-'`);
  }
  if (typeof t.description !== 'string') throw new Error(`tool '${t.name}' has no description (a string)`);
  if (typeof t.execute !== 'function') throw new Error(`tool '${t.name}' has no execute(args, signal) function`);
  checkParameterSchema(t.parameters, `tool '${t.name}'`);
}

/** One line for the log: the error's first line, or with a compiler's "failed with 1 error:" the error itself. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const first = lines[0] ?? 'unknown error';
  return first.endsWith(':') && lines[1] ? `${first.slice(0, -1)}: ${lines[1]}` : first;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

const requireCache = createRequire(import.meta.url).cache;

/**
 * Forgets the CommonJS copies of the user's files in the module's folder (tsx loads a .ts
 * file in a folder without "type": "module" through require(), whose cache is global), so
 * that a reload reads them again. node_modules stays cached.
 */
function forgetRequired(moduleDir: string): void {
  for (const key of Object.keys(requireCache)) {
    if (key.startsWith(moduleDir + path.sep) && !key.split(path.sep).includes('node_modules')) delete requireCache[key];
  }
}

/** Imports and checks one module (its current code, and its folder's). Throws AgentModuleError. */
export async function loadAgentModule(file: string, cwd = process.cwd()): Promise<LoadedAgentModule> {
  const absolute = path.resolve(cwd, file);
  if (!fs.existsSync(absolute)) throw new AgentModuleError(file, 'file not found');
  forgetRequired(path.dirname(absolute));
  const files = new Set<string>([absolute]);
  let exports: Record<string, unknown>;
  try {
    exports = (await tsImport(pathToFileURL(absolute).href, {
      parentURL: import.meta.url,
      onImport: (url) => {
        if (!url.startsWith('file:')) return;
        const imported = fileURLToPath(url.split('?')[0] as string);
        if (!imported.split(path.sep).includes('node_modules')) files.add(imported);
      },
    })) as Record<string, unknown>;
  } catch (err) {
    throw new AgentModuleError(file, `failed to load: ${firstLine(err)}`, { cause: err });
  }
  // A CommonJS module's exports arrive as `default`; its own `default` one level down.
  let main = exports.default;
  let toolsExport = exports.tools;
  if (main && typeof main === 'object' && !Array.isArray(main) && !('run' in main) && !('name' in main)) {
    const cjs = main as Record<string, unknown>;
    main = cjs.default;
    toolsExport ??= cjs.tools;
  }
  if (main === undefined) throw new AgentModuleError(file, 'no default export (export default an agent or an array of agents)');
  const agents = asList(main);
  if (agents.length === 0) throw new AgentModuleError(file, 'the default export is an empty array: no agent');
  for (const agent of agents) {
    try {
      checkAgent(agent);
    } catch (err) {
      throw new AgentModuleError(file, firstLine(err));
    }
  }
  const tools = toolsExport === undefined ? [] : asList(toolsExport);
  for (const tool of tools) {
    try {
      checkTool(tool);
    } catch (err) {
      throw new AgentModuleError(file, firstLine(err));
    }
  }
  const names = new Set<string>();
  for (const item of [...(agents as Agent[]).map((a) => `agent '${a.name}'`), ...(tools as Tool[]).map((t) => `tool '${t.name}'`)]) {
    if (names.has(item)) throw new AgentModuleError(file, `${item} is exported twice`);
    names.add(item);
  }
  return { file, path: absolute, agents: agents as Agent[], tools: tools as Tool[], files: [...files] };
}
