/**
 * The fixture MCP server (mcp-fixture-server.ts) over stdio, for tests that spawn it:
 * `node --import tsx test/support/mcp-stdio-server.ts [--page-size N]`. `crash` writes a
 * line to stderr and exits with code 3.
 */
// eslint-disable-next-line import-x/no-unresolved -- the SDK's "./*" export maps types to *.js.d.ts, which the lint's resolver cannot find (tsc and Node resolve it)
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFixtureServer } from './mcp-fixture-server.ts';

const at = process.argv.indexOf('--page-size');
const pageSize = at >= 0 ? Number(process.argv[at + 1]) : 3;
const server = createFixtureServer({
  pageSize,
  onCrash: () => {
    process.stderr.write('fixture: crashing on purpose\n');
    process.exit(3);
  },
});
await server.connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));
