/**
 * Flowscope as a user's project gets it: `npm pack` (the real tarball, built by prepack),
 * installed with `npm install -D <tarball>` into a fresh project of their own that has its
 * own agent module, scenario and tsconfig, then driven through the bin from there with
 * `npx`: serve (the console and their agent), run (their scenarios and a built-in pack by
 * name, JUnit out), and a type check of `import type { Agent } from 'flowscope/agent'`
 * under a plain `nodenext` tsconfig. Runs alone: `npm run test:package` (part of `npm test`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { wrapConnection } from '../support/backend-harness.ts';
import { killAndWait, waitForListening } from '../support/serve-process.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-package-'));
const project = path.join(work, 'my-agent-project');
let tarball = '';
let entries: string[] = [];

const AGENT = `import type { Agent, Tool } from 'flowscope/agent';

export const tools: Tool[] = [
  {
    name: 'shout',
    description: 'Upper-cases a text.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    async execute(args) {
      return { text: String(args.text).toUpperCase() };
    },
  },
];

const agent: Agent = {
  name: 'shouter',
  description: 'Shouts what it is told, through its own tool.',
  async run(ctx) {
    await ctx.think('I will shout it');
    const outcome = await ctx.callTool('shout', { text: ctx.input.content });
    return { response: outcome.ok ? (outcome.result as { text: string }).text : 'failed' };
  },
};

export default agent;
`;

const SCENARIO = `flowscope: 1
name: the shouter shouts
users:
  a: {}
steps:
  - connect: a
  - send:
      as: a
      message: { type: user_message, payload: { content: "hello", agent: shouter } }
      save_as: r1
  - expect_run: { user: a, run: "{{r1.run_id}}", status: succeeded, response: HELLO, timeout_ms: 60000 }
`;

/** `npx <args>` in the user's project, as they would type it. */
function npx(args: string[], options: { timeout?: number } = {}) {
  return run('npx', ['--no-install', ...args], { cwd: project, timeout: options.timeout ?? 180_000, maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  // The real tarball: npm pack runs prepack (the console build and dist/node).
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  const info = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, info[0]!.filename);
  entries = info[0]!.files.map((f) => f.path);

  fs.mkdirSync(path.join(project, 'scenarios'), { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-agent-project', version: '1.0.0', private: true, type: 'module' }, null, 2));
  fs.writeFileSync(path.join(project, 'agent.ts'), AGENT);
  fs.writeFileSync(path.join(project, 'scenarios', 'shout.yaml'), SCENARIO);
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        include: ['agent.ts'],
      },
      null,
      2,
    ),
  );
  // The user's own TypeScript, the version we build with (from the npm cache when it is warm).
  await run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '--prefer-offline', tarball, `typescript@${manifest.devDependencies.typescript}`], {
    cwd: project,
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}, 1_500_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('carries the built CLI, the console, the declarations and the scenario pack', () => {
    for (const needed of [
      'bin/flowscope.js',
      'dist/node/cli/flowscope-cli.js',
      'dist/node/backend/index.js',
      'dist/node/backend/agents/agent-types.d.ts',
      'dist/renderer/index.html',
      'scenarios/agent-conformance/one-run.yaml',
      'package.json',
      'README.md',
    ]) {
      expect(entries, needed).toContain(needed);
    }
  });

  it('carries no sources, tests, e2e specs, source maps or build configuration', () => {
    const unwanted = entries.filter(
      (p) =>
        /\.test\.tsx?$|\.spec\.ts$|\.map$/.test(p) ||
        /^(backend|cli|client|protocol|scenario|renderer|main|test|e2e|scripts|bench|\.ci|\.github)\//.test(p) ||
        (/\.tsx?$/.test(p) && !p.endsWith('.d.ts') && !p.startsWith('examples/')),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('installed in a project of its own', () => {
  it('runs the bin there with the package version', async () => {
    const { stdout } = await npx(['flowscope', '--version']);
    expect(stdout.trim()).toBe(`flowscope ${manifest.version}`);
  });

  it('type-checks `import type { Agent } from "flowscope/agent"` under a plain nodenext tsconfig', async () => {
    await expect(npx(['tsc', '-p', '.'])).resolves.toBeDefined();
    // The types are real: a run() that returns the wrong shape is refused.
    fs.writeFileSync(path.join(project, 'agent.ts'), AGENT.replace('return { response: outcome.ok', 'return { reply: outcome.ok'));
    try {
      const failed = await npx(['tsc', '-p', '.']).then(
        () => null,
        (err: { stdout?: string }) => err.stdout ?? '',
      );
      expect(failed).toMatch(/agent\.ts\(\d+,\d+\): error TS2/);
    } finally {
      fs.writeFileSync(path.join(project, 'agent.ts'), AGENT);
    }
  }, 120_000);

  it("serves the console and runs the project's agent: `npx flowscope serve --agent ./agent.ts`", async () => {
    const dataDir = path.join(work, 'serve-data');
    const child: ChildProcess = spawn('npx', ['--no-install', 'flowscope', 'serve', '--agent', './agent.ts', '--port', '0', '--data-dir', dataDir], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    try {
      const { url } = await waitForListening(child, { timeoutMs: 90_000 });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);
      const { token } = await createRestClient(url).mintToken('alice');
      const agents = (await (await fetch(`${url}/api/agents`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        agents: Array<{ name: string }>;
      };
      expect(agents.agents.map((a) => a.name)).toContain('shouter');

      const connection = connect({ url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
      await connection.ready;
      const c = wrapConnection(connection);
      try {
        c.send({ type: 'user_message', payload: { content: 'quiet please', agent: 'shouter' } });
        const ack = await c.waitFor((e) => e.type === 'message_ack', 30_000);
        const events = await c.runEvents(ack.run_id as string, 60_000);
        expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
        expect((events.at(-1) as unknown as { payload: { response: string } }).payload.response).toBe('QUIET PLEASE');
      } finally {
        c.close();
      }
    } finally {
      await killAndWait(child, 'SIGTERM');
    }
  }, 180_000);

  it("runs the project's scenarios and a built-in pack by name, with JUnit for CI", async () => {
    const own = await npx(['flowscope', 'run', 'scenarios/', '--agent-module', './agent.ts']);
    expect(own.stdout).toMatch(/1 passed/);
    const pack = await npx([
      'flowscope',
      'run',
      'agent-conformance',
      '--agent-module',
      './agent.ts',
      '--agent',
      'shouter',
      '--reporter',
      'junit',
      '--out',
      'agent.xml',
    ]);
    expect(pack.stdout + pack.stderr).not.toMatch(/failed: [1-9]/);
    const junit = fs.readFileSync(path.join(project, 'agent.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites[^>]* failures="0"/);
    expect(junit).toMatch(/one-run\.yaml|one run keeps the protocol's rules/);
  }, 300_000);
});
