/**
 * MCP server entries: `name=<command line>` (a server over stdio, spawned by Flowscope) or
 * `name=<http(s) URL>` (a server over Streamable HTTP). From repeatable `--mcp`, the
 * FLOWSCOPE_MCP variable (one entry a line: command lines hold commas and spaces) and the
 * Electron app's settings.json (`"mcp": [...]`).
 *
 * The command line is split as a POSIX shell would split words, without running a shell:
 * blanks separate words, '...' is literal, "..." keeps blanks and takes \" and \\, a
 * backslash outside quotes escapes the next character. No variables, globs or pipes.
 */
import { McpToolError } from './mcp-errors.ts';

/** A server name: its tools are offered as `name.tool`. */
export const MCP_SERVER_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export type McpServerSpec = { name: string; transport: 'stdio'; command: string; args: string[] } | { name: string; transport: 'http'; url: URL };

function invalid(entry: string, problem: string): McpToolError {
  return new McpToolError('MCP_INVALID_CONFIG', `mcp server entry "${entry.replace(/\/\/[^/?#@\s]*@/, '//***@')}": ${problem}`);
}

/** Words of a command line (see the file comment); throws a plain Error naming the problem. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= text.length) throw new Error('the command line ends with a lone backslash');
      word += text[++i];
    } else word += c;
  }
  if (quote) throw new Error(`the command line has an unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}

/** One `name=spec` entry; throws McpToolError (MCP_INVALID_CONFIG) naming the problem. */
export function parseMcpEntry(entry: string): McpServerSpec {
  const at = entry.indexOf('=');
  if (at === -1) throw invalid(entry, 'expected name=<command line> or name=<http(s) URL>');
  const name = entry.slice(0, at).trim();
  const spec = entry.slice(at + 1).trim();
  if (!MCP_SERVER_NAME.test(name)) throw invalid(entry, "the server name must be 1-32 letters, digits, '_' or '-' (its tools are named name.tool)");
  if (spec === '') throw invalid(entry, 'nothing after "="');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(spec)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https')
      throw invalid(entry, `"${scheme}://" is not supported: give an http(s) URL (Streamable HTTP) or a command line (stdio)`);
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw invalid(entry, 'not a valid URL');
    }
    return { name, transport: 'http', url };
  }
  let words: string[];
  try {
    words = splitCommandLine(spec);
  } catch (err) {
    throw invalid(entry, (err as Error).message);
  }
  const [command, ...args] = words;
  if (command === undefined || command === '') throw invalid(entry, 'the command line is empty');
  return { name, transport: 'stdio', command, args };
}

/** Every entry, names unique; throws McpToolError (MCP_INVALID_CONFIG) at the first bad one. */
export function parseMcpEntries(entries: readonly string[]): McpServerSpec[] {
  const specs = entries.map(parseMcpEntry);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) throw new McpToolError('MCP_INVALID_CONFIG', `mcp server '${spec.name}' is given twice`);
    seen.add(spec.name);
  }
  return specs;
}

/** FLOWSCOPE_MCP: one entry a line; blank lines and lines starting with # are skipped. */
export function mcpEntriesFromEnv(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** What logs show of a server: its command without arguments (they may hold secrets), or its URL without credentials or query. */
export function describeMcpServer(spec: McpServerSpec): string {
  if (spec.transport === 'http') return `${spec.url.protocol}//${spec.url.host}${spec.url.pathname}`;
  return `stdio: ${spec.command}${spec.args.length > 0 ? ' ...' : ''}`;
}
