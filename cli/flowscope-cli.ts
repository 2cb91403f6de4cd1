/** The `flowscope` command. */
import { didYouMean } from '../backend/index.ts';
import { exportCommand } from './export-command.ts';
import { importCommand } from './import-command.ts';
import { loadCommand } from './load-command.ts';
import { packageVersion } from './package-root.ts';
import { runCommand } from './run-command.ts';
import { serveCommand } from './serve-command.ts';

const USAGE = `Usage: flowscope <command> [options]

Commands:
  serve     Start the messaging backend headless, configured by environment variables
            or flags (--host, --port, ...; flowscope serve --help for all of them)
  run       Run scenarios: flowscope run <files or folders...> [--target URL]
            [--reporter pretty|json|junit] [--out FILE] [--grep TEXT] [--tag TAG]
            (an embedded backend unless --target; flowscope run --help for all options)
  load      Load-test with a scenario as many virtual users, with percentiles and thresholds:
            flowscope load <file> [--vus N] [--iterations M | --duration 30s]
            [--threshold 'p95(run_duration)<2000'] [--target URL]
  import    Turn a HAR file's WebSocket messages into a scenario:
            flowscope import <file.har> [--name NAME] [--out FILE]
  export    Write stored runs as OpenTelemetry OTLP/JSON (or another format):
            flowscope export [--format otlp] <run ids...> | --thread ID [--out FILE]
  version   Print the version (also --version)
  help      Show this help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'import':
      return importCommand(rest);
    case 'load':
      return loadCommand(rest);
    case 'export':
      return exportCommand(rest);
    case '--version':
    case '-v':
    case 'version': {
      process.stdout.write(`flowscope ${packageVersion()}\n`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default: {
      const guess = didYouMean(command.replace(/^-+/, ''), ['serve', 'run', 'load', 'import', 'export', 'version', 'help']);
      process.stderr.write(`flowscope: unknown command "${command}"${guess ? ` (did you mean ${guess}?)` : ''}\n\n${USAGE}`);
      return 2;
    }
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
