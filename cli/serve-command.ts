/** `flowscope serve`: the backend headless, configured by environment and flags. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentModuleError, loadConfig, startBackend } from '../backend/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function serveCommand(argv: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (err) {
    console.error(`flowscope serve: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  let backend;
  try {
    backend = await startBackend({
      ...config,
      consoleDir: config.consoleDir ?? path.resolve(here, '../dist/renderer'),
      scenarioDir: config.scenarioDir ?? path.resolve(here, '../scenarios'),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: string }).code;
    if (process.env.FLOWSCOPE_DEBUG && err instanceof Error) console.error(err.stack);
    if (err instanceof AgentModuleError) console.error(`flowscope: cannot start: ${message}`);
    else if (code === 'EADDRINUSE') console.error(`flowscope: port ${config.port} on ${config.host} is in use: stop the other process or set PORT.`);
    else console.error(`flowscope: cannot start: ${message}`);
    return 1;
  }
  const b = backend;
  console.log(`Flowscope backend listening on ${b.url} (store ${b.config.databaseUrl ? 'postgres' : 'sqlite'}, data ${b.config.dataDir})`);
  const own = b.agents.agents.filter((a) => a.source !== 'builtin');
  if (own.length > 0) {
    const reload = b.config.agentReload && b.config.agentModules.length > 0 ? '; modules reload when they change' : '';
    console.log(`flowscope: agents ${own.map((a) => (a.origin ? `${a.name} (${a.origin})` : a.name)).join(', ')}${reload}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`flowscope: ${signal} received, shutting down`);
      b.close().then(resolve, (err: unknown) => {
        console.error(`flowscope: shutdown error: ${err instanceof Error ? err.message : String(err)}`);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
