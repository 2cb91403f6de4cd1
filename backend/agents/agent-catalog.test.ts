import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCatalog } from './agent-catalog.ts';
import { AgentModuleError } from './agent-modules.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';

const dirs: string[] = [];
const catalogs: AgentCatalog[] = [];
afterEach(() => {
  for (const c of catalogs.splice(0)) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function sandbox(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-agents-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function catalogOf(dir: string, modules: string[], extra: Parameters<typeof AgentCatalog.create>[0] = {}) {
  const catalog = await AgentCatalog.create({ cwd: dir, modules, ...extra });
  catalogs.push(catalog);
  return catalog;
}

const WEATHER = `
import type { Agent, Tool } from '${path.resolve('backend/agents/agent-types.ts')}';
export const tools: Tool[] = [{
  name: 'weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  async execute(args: Record<string, unknown>) { return { city: args.city, temp_c: 21 }; },
}];
const agent: Agent = {
  name: 'weather-bot',
  description: 'Answers with the weather',
  async run(ctx) {
    await ctx.think('looking up ' + ctx.input.content);
    const outcome = await ctx.callTool('weather', { city: ctx.input.content });
    return { response: JSON.stringify(outcome.result), usage: { input_tokens: 3, output_tokens: 4 } };
  },
};
export default agent;
`;

async function errorOf(promise: Promise<unknown>): Promise<AgentModuleError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgentModuleError);
  return err as AgentModuleError;
}

describe('agent modules', () => {
  it('loads a TypeScript module: its agent and tools join the built-in ones', async () => {
    const dir = sandbox({ 'weather.ts': WEATHER });
    const catalog = await catalogOf(dir, ['./weather.ts']);
    expect(catalog.registry.names()).toEqual(['assistant', 'scripted', 'tool-call', 'weather-bot']);
    expect([...catalog.tools.keys()]).toEqual(['calculator', 'clock', 'search_docs', 'weather']);
    const described = catalog.describe();
    expect(described.default_agent).toBe('assistant');
    expect(described.agents.find((a) => a.name === 'weather-bot')).toEqual({
      name: 'weather-bot',
      description: 'Answers with the weather',
      source: 'module',
      origin: './weather.ts',
    });
    expect(described.tools.find((t) => t.name === 'weather')?.parameters).toMatchObject({ required: ['city'] });

    const recording = createRecordingAgentContext({ content: 'Oslo', tools: catalog.tools });
    const result = await catalog.registry.get('weather-bot')!.run(recording.context);
    expect(result).toEqual({ response: '{"city":"Oslo","temp_c":21}', usage: { input_tokens: 3, output_tokens: 4 } });
    expect(recording.types()).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
  });

  it('loads an array of agents, a JavaScript module and a CommonJS one', async () => {
    const dir = sandbox({
      'two.mjs': `export default [{ name: 'a1', description: 'A', run: async () => ({ response: 'a' }) }, { name: 'a2', description: 'B', run: async () => ({ response: 'b' }) }];`,
      'old.cjs': `module.exports = { name: 'old', description: 'CJS', run: async () => ({ response: 'old' }) };`,
    });
    const catalog = await catalogOf(dir, ['two.mjs', 'old.cjs']);
    expect(catalog.registry.names()).toEqual(['assistant', 'scripted', 'tool-call', 'a1', 'a2', 'old']);
  });

  it.each([
    ['missing.ts', {}, 'agent module missing.ts: file not found'],
    ['broken.ts', { 'broken.ts': 'export default {' }, /^agent module broken\.ts: failed to load: Transform failed with 1 error: .*broken\.ts:1:\d+: ERROR: /],
    ['throws.ts', { 'throws.ts': 'throw new Error("no API key configured");' }, 'agent module throws.ts: failed to load: no API key configured'],
    ['none.ts', { 'none.ts': 'export const x = 1;' }, 'agent module none.ts: no default export (export default an agent or an array of agents)'],
    ['empty.ts', { 'empty.ts': 'export default [];' }, 'agent module empty.ts: the default export is an empty array: no agent'],
    ['norun.ts', { 'norun.ts': "export default { name: 'x', description: 'd' };" }, "agent module norun.ts: agent 'x' has no run(ctx) function"],
    ['spaces.ts', { 'spaces.ts': "export default { name: 'my agent', description: 'd', run() {} };" }, /invalid agent name "my agent"/],
    [
      'badtool.ts',
      {
        'badtool.ts':
          "export default { name: 'x', description: 'd', run() {} }; export const tools = [{ name: 't', description: 'd', execute() {}, parameters: { type: 'string' } }];",
      },
      `agent module badtool.ts: tool 't': parameters must have "type": "object" (the arguments are an object)`,
    ],
    [
      'badschema.ts',
      {
        'badschema.ts':
          "export default { name: 'x', description: 'd', run() {} }; export const tools = [{ name: 't', description: 'd', execute() {}, parameters: { type: 'object', properties: { a: { type: 'nope' } } } }];",
      },
      /tool 't': parameters is not a valid JSON Schema/,
    ],
    [
      'clash.ts',
      { 'clash.ts': "export default { name: 'assistant', description: 'd', run() {} };" },
      "agent module clash.ts: agent 'assistant' clashes with the built-in agent 'assistant'",
    ],
    [
      'toolclash.ts',
      {
        'toolclash.ts':
          "export default { name: 'x', description: 'd', run() {} }; export const tools = { name: 'calculator', description: 'd', execute() {}, parameters: { type: 'object' } };",
      },
      "agent module toolclash.ts: tool 'calculator' clashes with the built-in tool 'calculator'",
    ],
  ])('refuses %s with one line naming the file and the reason', async (file, files, expected) => {
    const dir = sandbox(files as Record<string, string>);
    const err = await errorOf(catalogOf(dir, [file]));
    if (typeof expected === 'string') expect(err.message).toBe(expected);
    else expect(err.message).toMatch(expected);
    expect(err.message).not.toContain('\n');
  });

  it('names both modules when two of them clash', async () => {
    const dir = sandbox({
      'one.ts': "export default { name: 'dup', description: 'd', run: async () => ({ response: '1' }) };",
      'two.ts': "export default { name: 'dup', description: 'd', run: async () => ({ response: '2' }) };",
    });
    const err = await errorOf(catalogOf(dir, ['one.ts', 'two.ts']));
    expect(err.message).toBe("agent module two.ts: agent 'dup' clashes with agent 'dup' of one.ts");
  });

  it('takes agents and tools given as code (startBackend({ agents, tools }))', async () => {
    const catalog = await AgentCatalog.create({
      agents: [{ name: 'inline', description: 'given', run: () => Promise.resolve({ response: 'hi' }) }],
      tools: [{ name: 'noop', description: 'n', parameters: { type: 'object' }, execute: () => Promise.resolve(null) }],
    });
    catalogs.push(catalog);
    expect(catalog.registry.has('inline')).toBe(true);
    expect(catalog.tools.has('noop')).toBe(true);
    await expect(AgentCatalog.create({ agents: [{ name: 'scripted', description: 'd', run: () => Promise.resolve({ response: '' }) }] })).rejects.toThrow(
      "startBackend(): agent 'scripted' clashes with the built-in agent 'scripted'",
    );
  });
});

describe('reloading a changed module', () => {
  const versioned = (reply: string, helper = './helper.ts') =>
    `import { suffix } from '${helper}';\nexport default { name: 'live', description: 'v', run: async () => ({ response: '${reply}' + suffix }) };`;

  async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function reply(catalog: AgentCatalog): Promise<string> {
    return (await catalog.registry.get('live')!.run(createRecordingAgentContext().context)).response;
  }

  it('swaps in the new code when the module or a file it imports changes; a run holding the old agent keeps it', async () => {
    const dir = sandbox({ 'live.ts': versioned('one'), 'helper.ts': "export const suffix = '!';" });
    const logs: string[] = [];
    const catalog = await catalogOf(dir, ['live.ts'], { reload: true, reloadDelayMs: 20, log: (_l, m) => logs.push(m) });
    const held = catalog.registry.get('live')!;
    expect(await reply(catalog)).toBe('one!');

    fs.writeFileSync(path.join(dir, 'live.ts'), versioned('two'));
    await waitFor(async () => (await reply(catalog)) === 'two!').catch((e: unknown) => {
      throw new Error(`${String(e)}; logs: ${logs.join(' | ')}`);
    });
    expect(logs.some((m) => m.startsWith('agent module live.ts reloaded (agents: live)') && m.includes('runs in progress finish on the previous code'))).toBe(
      true,
    );
    expect((await held.run(createRecordingAgentContext().context)).response).toBe('one!');

    fs.writeFileSync(path.join(dir, 'helper.ts'), "export const suffix = '?';");
    await waitFor(async () => (await reply(catalog)) === 'two?');
  });

  it('keeps the previous version when the new one does not load, and says why', async () => {
    const dir = sandbox({ 'live.ts': versioned('one'), 'helper.ts': "export const suffix = '';" });
    const logs: string[] = [];
    const catalog = await catalogOf(dir, ['live.ts'], { reload: true, reloadDelayMs: 20, log: (_l, m) => logs.push(m) });
    fs.writeFileSync(path.join(dir, 'live.ts'), "export default { name: 'live', description: 'v' };");
    await waitFor(() => logs.some((m) => m.includes('not reloaded')));
    expect(logs.find((m) => m.includes('not reloaded'))).toBe(
      "agent module live.ts not reloaded: agent 'live' has no run(ctx) function; the previous version stays in use",
    );
    expect(await reply(catalog)).toBe('one');
    expect(catalog.reloadCount).toBe(0);
  });
});
