/**
 * Every agent and tool of one backend: the built-in ones, those given to startBackend, the
 * agent modules (`--agent`, AGENTS), and the LLM and HTTP agents. Names are unique across
 * all of them; a clash names both owners. With `reload`, a changed module (or a file of the
 * user's it imports) is loaded again and swapped in: runs already executing keep the agent
 * and tools they started with, and a module that no longer loads keeps its previous version.
 * Each reload's outcome is told to the subscribers (`subscribe`: the consoles' catalog events).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDescriptor, AgentSource, AgentsResponse } from '../../protocol/index.ts';
import { checkAgent, createAgentRegistry, createBuiltInAgents, type AgentRegistry } from './agent-registry.ts';
import { AgentModuleError, checkTool, firstLine, loadAgentModule, type LoadedAgentModule } from './agent-modules.ts';
import type { Agent, Tool } from './agent-types.ts';
import { guardAgent, guardTool } from './safe-error.ts';
import { prepareTool } from './tools/tool-schema.ts';
import { createDefaultTools } from './tools/tool-registry.ts';
import { createToolCallAgent } from './tool-call-agent.ts';

const CODE_FILE = /\.(?:[cm]?[jt]s|tsx|jsx|json)$/;

export type CatalogLogger = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * What a watched module's reload did, told to the catalog's subscribers (the consoles, over
 * `GET /api/catalog/events`). A failed reload keeps the previous version in use.
 */
export type CatalogEvent =
  | { type: 'module_reloaded'; file: string; agents: string[]; tools: string[]; at: string }
  | { type: 'module_reload_failed'; file: string; reason: string; previous_version_in_use: true; at: string }
  /** The tools of a group (an MCP server) were replaced: `tools` are the group's names now. */
  | { type: 'tools_changed'; group: string; tools: string[]; refused: string[]; at: string };

export interface CatalogSubscriber {
  event(event: CatalogEvent): void;
  /** The catalog closed (the backend is shutting down): no more events. */
  end(): void;
}

export interface ExtraAgent {
  agent: Agent;
  source: AgentSource;
  origin?: string | undefined;
}

export interface AgentCatalogOptions {
  /** Agents given programmatically (startBackend({ agents })). */
  agents?: readonly Agent[] | undefined;
  /** Tools given programmatically (startBackend({ tools })). */
  tools?: readonly Tool[] | undefined;
  /** Agent module files, relative to `cwd`. */
  modules?: readonly string[] | undefined;
  /** Agents built from configuration (the LLM agent, agents over HTTP). */
  extra?: readonly ExtraAgent[] | undefined;
  cwd?: string | undefined;
  /** Watch the modules and reload them when they change. */
  reload?: boolean | undefined;
  log?: CatalogLogger | undefined;
  /** Debounce of file events before a reload (default 150 ms). */
  reloadDelayMs?: number | undefined;
}

interface Owner {
  source: AgentSource;
  /** For messages: "the built-in agent", "./my-agent.ts". */
  label: string;
  origin?: string | undefined;
}

export class AgentCatalog {
  readonly registry: AgentRegistry;
  /** The current tool set, never changed in place: a reload swaps in a new map, so a run keeps the one it started with. */
  #tools: ReadonlyMap<string, Tool> = new Map();
  readonly #agentOwners = new Map<string, Owner>();
  readonly #toolOwners = new Map<string, Owner>();
  readonly #modules = new Map<string, LoadedAgentModule>();
  readonly #watchers = new Map<string, fs.FSWatcher>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #log: CatalogLogger;
  readonly #reloadDelayMs: number;
  #reloads = 0;
  #closed = false;
  readonly #subscribers = new Set<CatalogSubscriber>();
  /** The modules whose last reload failed (by absolute path), told again to each new subscriber. */
  readonly #failing = new Map<string, Extract<CatalogEvent, { type: 'module_reload_failed' }>>();

  private constructor(options: AgentCatalogOptions) {
    this.#log = options.log ?? (() => undefined);
    this.#reloadDelayMs = options.reloadDelayMs ?? 150;
    this.registry = createAgentRegistry([]);
    const builtin: Owner = { source: 'builtin', label: 'built in' };
    for (const agent of [...createBuiltInAgents(), createToolCallAgent()]) this.#addAgent(agent, builtin);
    for (const tool of createDefaultTools().values()) this.#addTool(tool, builtin);
  }

  /** Builds the catalog; throws AgentModuleError (or Error for given agents) with one line. */
  static async create(options: AgentCatalogOptions = {}): Promise<AgentCatalog> {
    const catalog = new AgentCatalog(options);
    const given: Owner = { source: 'module', label: 'startBackend()' };
    for (const tool of options.tools ?? []) {
      checkTool(tool);
      catalog.#claim(catalog.#toolOwners, 'tool', tool.name, given, null);
      catalog.#addTool(tool, given);
    }
    for (const agent of options.agents ?? []) {
      catalog.#claim(catalog.#agentOwners, 'agent', agent.name, given, null);
      catalog.#addAgent(agent, given);
    }
    for (const extra of options.extra ?? []) {
      const owner: Owner = { source: extra.source, label: extra.origin ?? extra.source, origin: extra.origin };
      catalog.#claim(catalog.#agentOwners, 'agent', extra.agent.name, owner, null);
      catalog.#addAgent(extra.agent, owner);
    }
    const cwd = options.cwd ?? process.cwd();
    for (const file of options.modules ?? []) {
      const loaded = await loadAgentModule(file, cwd);
      if (catalog.#modules.has(loaded.path)) throw new AgentModuleError(file, 'given twice');
      catalog.#install(loaded, null);
    }
    if (options.reload) for (const loaded of catalog.#modules.values()) catalog.#watch(loaded);
    return catalog;
  }

  get tools(): ReadonlyMap<string, Tool> {
    return this.#tools;
  }

  /** How many successful reloads happened (tests and the log). */
  get reloadCount(): number {
    return this.#reloads;
  }

  describe(): AgentsResponse {
    const agents: AgentDescriptor[] = this.registry.list().map((agent) => {
      const owner = this.#agentOwners.get(agent.name);
      return {
        name: agent.name,
        description: agent.description,
        source: owner?.source ?? 'module',
        ...(owner?.origin ? { origin: owner.origin } : {}),
      };
    });
    return {
      default_agent: this.registry.defaultAgent,
      agents,
      tools: [...this.tools.values()].map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })),
    };
  }

  /**
   * Replaces the tools of `group` (an MCP server: `mcp server 'fs'`) with `tools`, compiled and
   * guarded like any other; runs already executing keep the set they started with. A tool
   * whose name another owner has is left out: its name is returned.
   */
  replaceToolGroup(group: string, tools: readonly Tool[]): string[] {
    if (this.#closed) return [];
    // Tool owners serve the clash messages only: `tool 'fs.read' of mcp server 'fs'`.
    const owner: Owner = { source: 'module', label: group };
    const next = new Map(this.#tools);
    for (const [name, current] of this.#toolOwners) {
      if (current.label !== group) continue;
      next.delete(name);
      this.#toolOwners.delete(name);
    }
    const refused: string[] = [];
    for (const given of tools) {
      if (next.has(given.name)) {
        refused.push(given.name);
        continue;
      }
      const tool = guardTool(given);
      prepareTool(tool);
      next.set(tool.name, tool);
      this.#toolOwners.set(tool.name, owner);
    }
    this.#tools = next;
    const names = tools.map((t) => t.name).filter((name) => !refused.includes(name));
    this.#tell({ type: 'tools_changed', group, tools: names, refused, at: new Date().toISOString() });
    return refused;
  }

  /**
   * Tells `subscriber` every reload from now on; first, the modules whose last reload failed
   * (their previous version is still in use). Returns the unsubscribe function.
   */
  subscribe(subscriber: CatalogSubscriber): () => void {
    if (this.#closed) {
      subscriber.end();
      return () => undefined;
    }
    this.#subscribers.add(subscriber);
    for (const failed of this.#failing.values()) subscriber.event(failed);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  #tell(event: CatalogEvent): void {
    for (const subscriber of [...this.#subscribers]) {
      try {
        subscriber.event(event);
      } catch (err) {
        this.#log('warn', `a catalog event subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  close(): void {
    if (!this.#closed) for (const subscriber of [...this.#subscribers]) subscriber.end();
    this.#subscribers.clear();
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  // Agents and tools are guarded (safe-error.ts: what they throw or return is read safely)
  // and tools' schemas compiled (a tool's first call does not compile it) as they are registered.
  #addAgent(agent: Agent, owner: Owner): void {
    checkAgent(agent);
    this.registry.register(guardAgent(agent));
    this.#agentOwners.set(agent.name, owner);
  }

  #addTool(given: Tool, owner: Owner): void {
    const tool = guardTool(given);
    prepareTool(tool);
    this.#tools = new Map([...this.#tools, [tool.name, tool]]);
    this.#toolOwners.set(tool.name, owner);
  }

  /** Throws unless `name` is free (or owned by `replacing`, the module being reloaded). */
  #claim(owners: Map<string, Owner>, kind: 'agent' | 'tool', name: string, owner: Owner, replacing: string | null): void {
    const current = owners.get(name);
    if (!current || (replacing !== null && current.label === replacing)) return;
    const other = current.source === 'builtin' ? `the built-in ${kind} '${name}'` : `${kind} '${name}' of ${current.label}`;
    const reason = `${kind} '${name}' clashes with ${other}`;
    if (owner.source === 'module' && owner.label !== 'startBackend()') throw new AgentModuleError(owner.label, reason);
    throw new Error(`${owner.label}: ${reason}`);
  }

  /** Adds a loaded module, or swaps it for its previous version (`replacing` = its file label). */
  #install(loaded: LoadedAgentModule, previous: LoadedAgentModule | null): void {
    const owner: Owner = { source: 'module', label: loaded.file, origin: loaded.file };
    const replacing = previous ? previous.file : null;
    for (const tool of loaded.tools) this.#claim(this.#toolOwners, 'tool', tool.name, owner, replacing);
    for (const agent of loaded.agents) this.#claim(this.#agentOwners, 'agent', agent.name, owner, replacing);
    const oldAgents = previous ? previous.agents.map((a) => a.name) : [];
    for (const tool of loaded.tools) prepareTool(tool);
    this.registry.replace(oldAgents, loaded.agents.map(guardAgent));
    for (const name of oldAgents) this.#agentOwners.delete(name);
    for (const agent of loaded.agents) this.#agentOwners.set(agent.name, owner);
    for (const tool of previous?.tools ?? []) {
      const next = new Map(this.#tools);
      next.delete(tool.name);
      this.#tools = next;
      this.#toolOwners.delete(tool.name);
    }
    for (const tool of loaded.tools) this.#addTool(tool, owner);
    this.#modules.set(loaded.path, loaded);
  }

  #watch(loaded: LoadedAgentModule): void {
    const dirs = new Set(loaded.files.map((file) => path.dirname(file)));
    for (const dir of dirs) {
      if (this.#watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name) this.#changed(path.join(dir, name.toString()));
        });
        watcher.on('error', () => undefined);
        this.#watchers.set(dir, watcher);
      } catch (err) {
        this.#log('warn', `cannot watch ${dir} for agent module changes: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  #changed(file: string): void {
    if (this.#closed) return;
    for (const loaded of this.#modules.values()) {
      // The module's files as the loader saw them, and any code file beside the module (a
      // helper loaded through require() is not reported by the loader).
      const beside = path.dirname(file) === path.dirname(loaded.path) && CODE_FILE.test(file);
      if (!beside && !loaded.files.includes(file)) continue;
      clearTimeout(this.#timers.get(loaded.path));
      this.#timers.set(
        loaded.path,
        setTimeout(() => {
          this.#timers.delete(loaded.path);
          void this.reload(loaded.path);
        }, this.#reloadDelayMs),
      );
    }
  }

  /** Loads the module at `absolutePath` again and swaps it in; keeps the previous version on failure. */
  async reload(absolutePath: string): Promise<boolean> {
    const previous = this.#modules.get(absolutePath);
    if (!previous || this.#closed) return false;
    let loaded: LoadedAgentModule;
    try {
      loaded = await loadAgentModule(previous.path);
      loaded = { ...loaded, file: previous.file };
      if (this.#closed) return false;
      this.#install(loaded, previous);
    } catch (err) {
      const reason = err instanceof AgentModuleError ? err.reason : err instanceof Error ? err.message : String(err);
      this.#log('warn', `agent module ${previous.file} not reloaded: ${reason}; the previous version stays in use`);
      const failed = {
        type: 'module_reload_failed',
        file: previous.file,
        reason: firstLine(reason),
        previous_version_in_use: true,
        at: new Date().toISOString(),
      } as const;
      this.#failing.set(absolutePath, failed);
      this.#tell(failed);
      return false;
    }
    this.#reloads += 1;
    this.#watch(loaded);
    this.#failing.delete(absolutePath);
    this.#tell({
      type: 'module_reloaded',
      file: loaded.file,
      agents: loaded.agents.map((a) => a.name),
      tools: loaded.tools.map((t) => t.name),
      at: new Date().toISOString(),
    });
    const agents = loaded.agents.map((a) => a.name).join(', ');
    const tools = loaded.tools.map((t) => t.name).join(', ');
    this.#log(
      'info',
      `agent module ${loaded.file} reloaded (agents: ${agents}${tools ? `; tools: ${tools}` : ''}); runs in progress finish on the previous code`,
    );
    return true;
  }
}
