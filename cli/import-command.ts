/**
 * `flowscope import <file.har>`: turns a HAR with WebSocket messages (Chrome DevTools,
 * Playwright, or the console's export) into a scenario, YAML by default.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { parseCommandArgs, processIo, type CommandIo } from './command-args.ts';
import { sessionFromHar } from '../scenario/har-importer.ts';
import { scenarioFromSession } from '../scenario/session-recorder.ts';

export const IMPORT_USAGE = `Usage: flowscope import <file.har> [--name NAME] [--out FILE [--force]] [--format yaml|json]

Turns the WebSocket messages of a HAR (Chrome DevTools, Playwright or the console's
export) into a scenario: users, sends, and the runs that arrived as expectations.
Writes YAML to stdout unless --out is given (.json there means JSON).
`;

export async function importCommand(argv: string[], io: Pick<CommandIo, 'stdout' | 'stderr'> = processIo()): Promise<number> {
  const parsed = parseCommandArgs(
    'import',
    IMPORT_USAGE,
    argv,
    { name: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) {
    io.stderr(`flowscope import: name exactly one .har file\n\n${IMPORT_USAGE}`);
    return 2;
  }
  const format = values.format ?? (values.out && /\.json$/i.test(values.out) ? 'json' : 'yaml');
  if (format !== 'yaml' && format !== 'json') {
    io.stderr(`flowscope import: --format must be yaml or json\n`);
    return 2;
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    io.stderr(`flowscope import: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const imported = sessionFromHar(text);
  if (!imported.ok) {
    io.stderr(`flowscope import: ${file}: ${imported.error}\n`);
    return 1;
  }
  let scenario;
  try {
    scenario = scenarioFromSession(imported.session, {
      name: values.name ?? `Imported from ${path.basename(file)}`,
      description: `Imported from ${path.basename(file)} (${imported.session.sent.length} sent, ${imported.session.received.length} received).`,
    });
  } catch (err) {
    io.stderr(`flowscope import: ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (values.out && !values.force) {
    const exists = await fs.stat(values.out).then(
      () => true,
      () => false,
    );
    if (exists) {
      io.stderr(`flowscope import: ${values.out} exists: pick another name or add --force to replace it\n`);
      return 1;
    }
  }
  const out = format === 'json' ? `${JSON.stringify(scenario, null, 2)}\n` : toYaml(scenario, { lineWidth: 0 });
  if (values.out) {
    try {
      await fs.mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
      await fs.writeFile(values.out, out);
    } catch (err) {
      io.stderr(`flowscope import: cannot write ${values.out}: ${(err as { code?: string }).code ?? (err as Error).message}\n`);
      return 1;
    }
    io.stderr(`Wrote ${values.out}: ${scenario.steps.length} steps, ${Object.keys(scenario.users).length} user(s). Run it with: flowscope run ${values.out}\n`);
  } else {
    io.stdout(out);
  }
  return 0;
}
