import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/backend-config.ts';
import { describeMcpServer, mcpEntriesFromEnv, parseMcpEntries, parseMcpEntry, splitCommandLine } from './mcp-config.ts';

describe('MCP server entries', () => {
  it('splits a command line like a shell, without running one', () => {
    expect(splitCommandLine(`npx -y  @scope/server "/a dir/x" 'it''s' a\\ b "q\\"uote" ''`)).toEqual([
      'npx',
      '-y',
      '@scope/server',
      '/a dir/x',
      'its',
      'a b',
      'q"uote',
      '',
    ]);
    expect(() => splitCommandLine('node "x')).toThrow('unterminated double quote');
    expect(() => splitCommandLine("node 'x")).toThrow('unterminated single quote');
  });

  it('takes name=<command line> as stdio and name=<http(s) URL> as Streamable HTTP', () => {
    expect(parseMcpEntry('fs = npx -y @modelcontextprotocol/server-filesystem /tmp')).toEqual({
      name: 'fs',
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
    });
    const http = parseMcpEntry('web=https://user:pw@mcp.example.com/mcp?key=1');
    expect(http).toMatchObject({ name: 'web', transport: 'http' });
    expect(describeMcpServer(http)).toBe('https://mcp.example.com/mcp');
    expect(describeMcpServer(parseMcpEntry(`x=node "/a b/s.js" --key s3cret`))).toBe('stdio: node ...');
  });

  it('refuses bad entries with MCP_INVALID_CONFIG and the entry (credentials hidden)', () => {
    expect(() => parseMcpEntry('no-equals')).toThrow('MCP_INVALID_CONFIG: mcp server entry "no-equals": expected name=<command line> or name=<http(s) URL>');
    expect(() => parseMcpEntry('a.b=node s.js')).toThrow("the server name must be 1-32 letters, digits, '_' or '-'");
    expect(() => parseMcpEntry('x=')).toThrow('nothing after "="');
    expect(() => parseMcpEntry('x=ws://u:secret@h/mcp')).toThrow('MCP_INVALID_CONFIG: mcp server entry "x=ws://***@h/mcp": "ws://" is not supported');
    expect(() => parseMcpEntry('x=node "s.js')).toThrow('unterminated double quote');
    expect(() => parseMcpEntries(['x=a', 'x=http://h/mcp'])).toThrow("MCP_INVALID_CONFIG: mcp server 'x' is given twice");
  });

  it('reads FLOWSCOPE_MCP one entry a line; --mcp replaces it; the time-out is bounded', () => {
    expect(mcpEntriesFromEnv('fs=npx a, b\n\n# off=node x\r\nweb=http://h/mcp\n')).toEqual(['fs=npx a, b', 'web=http://h/mcp']);
    expect(loadConfig({ FLOWSCOPE_MCP: 'fs=npx server\nweb=http://h/mcp' }, []).mcpServers).toEqual(['fs=npx server', 'web=http://h/mcp']);
    expect(loadConfig({ FLOWSCOPE_MCP: 'fs=npx server' }, ['--mcp', 'a=node a.js', '--mcp', 'b=http://h/mcp']).mcpServers).toEqual([
      'a=node a.js',
      'b=http://h/mcp',
    ]);
    expect(loadConfig({}, []).mcpServers).toEqual([]);
    expect(loadConfig({ FLOWSCOPE_MCP_TIMEOUT_MS: '500' }, []).mcpTimeoutMs).toBe(500);
    expect(() => loadConfig({}, ['--mcp-timeout-ms', '60000'])).toThrow('--mcp-timeout-ms must be at most 30000 (the limit of every tool call), got "60000"');
    expect(() => loadConfig({}, ['--mcp', 'bad'])).toThrow('MCP_INVALID_CONFIG');
  });
});
