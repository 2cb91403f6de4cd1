import { describe, expect, it } from 'vitest';
import { applyCatalogMessage, noticeOf, parseSse, type CatalogState } from './catalog-events.ts';
import { applyEnvelope, contentBlocksOf, parseRunError, toolCallMessage, type ToolCall } from './tool-call.ts';

const call = (extra: Partial<ToolCall> = {}): ToolCall => ({
  key: 1,
  tool: 'calculator',
  userId: 'ada',
  messageId: 'tool_m1',
  args: { expression: '1+1' },
  sentAt: 0,
  phase: 'sent',
  ...extra,
});

describe('a tool call from the Tools view', () => {
  it('is a user_message to the tool-call agent with {tool, arguments} as its content', () => {
    const message = JSON.parse(toolCallMessage('m1', 'calculator', { expression: '2*3' })) as { payload: { agent: string; content: string } };
    expect(message).toMatchObject({ type: 'user_message', message_id: 'm1', payload: { agent: 'tool-call' } });
    expect(JSON.parse(message.payload.content)).toEqual({ tool: 'calculator', arguments: { expression: '2*3' } });
  });

  it('follows its run: ack, the tool result and duration, the run status and duration', () => {
    let calls: ToolCall[] = [call(), call({ key: 2, userId: 'bob', messageId: 'tool_m1' })];
    calls = applyEnvelope(calls, 'ada', { type: 'message_ack', payload: { message_id: 'tool_m1', run_id: 'run_1' } })!;
    expect(calls[0]).toMatchObject({ phase: 'queued', runId: 'run_1' });
    expect(calls[1]?.runId).toBeUndefined();
    calls = applyEnvelope(calls, 'ada', { type: 'agent_started', run_id: 'run_1', payload: {} })!;
    expect(calls[0]?.phase).toBe('running');
    calls = applyEnvelope(calls, 'ada', { type: 'tool_completed', run_id: 'run_1', payload: { ok: true, result: { value: 2 }, duration_ms: 3 } })!;
    calls = applyEnvelope(calls, 'ada', {
      type: 'agent_completed',
      run_id: 'run_1',
      payload: { status: 'succeeded', response: '{}', error: null, duration_ms: 9 },
    })!;
    expect(calls[0]).toMatchObject({ phase: 'done', status: 'succeeded', result: { value: 2 }, toolMs: 3, runMs: 9, error: undefined });
    expect(applyEnvelope(calls, 'ada', { type: 'agent_completed', run_id: 'run_other', payload: {} })).toBeNull();
    expect(applyEnvelope(calls, 'ada', { type: 'pong' })).toBeNull();
  });

  it('a failed run gives the code and, for a schema violation, each path', () => {
    let calls: ToolCall[] = [call({ runId: 'run_1', phase: 'running' })];
    calls = applyEnvelope(calls, 'ada', {
      type: 'agent_completed',
      run_id: 'run_1',
      payload: { status: 'failed', error: 'TOOL_ARGUMENTS_INVALID: args.expression: must be string; args.extra: is not an accepted argument', duration_ms: 2 },
    })!;
    expect(calls[0]?.error).toEqual({
      code: 'TOOL_ARGUMENTS_INVALID',
      message: 'args.expression: must be string; args.extra: is not an accepted argument',
      violations: [
        { path: 'args.expression', message: 'must be string' },
        { path: 'args.extra', message: 'is not an accepted argument' },
      ],
    });
  });

  it('a refused message (an error envelope naming its id) is an outcome too', () => {
    const calls = applyEnvelope([call()], 'ada', { type: 'error', message_id: 'tool_m1', payload: { code: 'UNKNOWN_AGENT', message: 'no agent tool-call' } })!;
    expect(calls[0]).toMatchObject({ phase: 'refused', error: { code: 'UNKNOWN_AGENT', message: 'no agent tool-call', violations: [] } });
  });

  it('reads run errors without a code as RUN_FAILED', () => {
    expect(parseRunError('TOOL_FAILED: boom: bad')).toEqual({ code: 'TOOL_FAILED', message: 'boom: bad', violations: [] });
    expect(parseRunError('The run was cancelled.')).toEqual({ code: 'RUN_FAILED', message: 'The run was cancelled.', violations: [] });
    // a cancelled run (Cancel in the Tools view) is not called a failure
    expect(parseRunError('The run was cancelled.', 'cancelled')).toEqual({ code: 'CANCELLED', message: 'The run was cancelled.', violations: [] });
  });
});

describe('catalog events', () => {
  it('parses a text/event-stream buffer into messages, keeping an incomplete one for later', () => {
    const { messages, rest } = parseSse(
      ': hello\nretry: 2000\n\nevent: ready\ndata: {}\n\nevent: module_reloaded\r\ndata: {"file":"a.ts"}\r\n\r\nevent: module_rel',
    );
    expect(messages).toEqual([
      { event: 'ready', data: '{}' },
      { event: 'module_reloaded', data: '{"file":"a.ts"}' },
    ]);
    expect(rest).toBe('event: module_rel');
  });

  it('keeps one notice per file, the latest; a reload bumps the version, a failure does not', () => {
    let state: CatalogState = { version: 0, notices: [] };
    const failed = { event: 'module_reload_failed', data: JSON.stringify({ file: './a.ts', reason: 'failed to load: x', at: '2026-01-01T00:00:00Z' }) };
    state = applyCatalogMessage(state, failed, false);
    expect(state.version).toBe(0);
    expect(state.notices).toMatchObject([{ kind: 'failed', file: './a.ts', reason: 'failed to load: x' }]);
    state = applyCatalogMessage(state, { event: 'module_reloaded', data: JSON.stringify({ file: './a.ts', agents: ['a'], tools: ['t'] }) }, false);
    expect(state.version).toBe(1);
    expect(state.notices).toMatchObject([{ kind: 'reloaded', file: './a.ts', agents: ['a'], tools: ['t'] }]);
    // A stream back after a drop: read everything again.
    expect(applyCatalogMessage(state, { event: 'ready', data: '{}' }, true).version).toBe(2);
    expect(applyCatalogMessage(state, { event: 'ready', data: '{}' }, false)).toBe(state);
    // An MCP server's new tool list: read the tools again, no banner.
    const changed = applyCatalogMessage(
      state,
      { event: 'tools_changed', data: JSON.stringify({ group: "mcp server 'fx'", tools: ['fx.a'], refused: [] }) },
      false,
    );
    expect(changed.version).toBe(2);
    expect(changed.notices).toBe(state.notices);
    expect(noticeOf({ event: 'module_reloaded', data: 'not json' })).toBeNull();
    expect(noticeOf({ event: 'other', data: '{}' })).toBeNull();
  });
});

describe('an MCP content result, block by block', () => {
  it('reads text, raster images, audio, links and resources; anything else stays JSON', () => {
    const png = 'iVBORw0KGgo=';
    expect(
      contentBlocksOf([
        { type: 'text', text: 'Echo: hi', annotations: { priority: 1 } },
        { type: 'image', data: png, mimeType: 'image/png' },
        { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
        { type: 'resource_link', uri: 'demo://r/1', name: 'R1', description: 'one' },
        { type: 'resource', resource: { uri: 'demo://r/2', text: 'body', mimeType: 'text/plain' } },
      ]),
    ).toEqual([
      { kind: 'text', text: 'Echo: hi' },
      { kind: 'image', mimeType: 'image/png', src: `data:image/png;base64,${png}` },
      { kind: 'audio', mimeType: 'audio/wav', src: 'data:audio/wav;base64,UklGRg==' },
      { kind: 'link', uri: 'demo://r/1', name: 'R1', description: 'one', mimeType: undefined },
      { kind: 'resource', uri: 'demo://r/2', text: 'body', mimeType: 'text/plain' },
    ]);
    // an SVG (it could carry script) or data that is not base64 is shown as JSON, not as an image
    const svg = { type: 'image', data: png, mimeType: 'image/svg+xml' };
    const odd = { type: 'image', data: '"><script>', mimeType: 'image/png' };
    expect(contentBlocksOf([svg, odd])).toEqual([
      { kind: 'json', value: svg },
      { kind: 'json', value: odd },
    ]);
  });

  it('is null for a result that is not a list of content blocks', () => {
    expect(contentBlocksOf({ value: 42 })).toBeNull();
    expect(contentBlocksOf([])).toBeNull();
    expect(
      contentBlocksOf([
        { type: 'text', text: 'a' },
        { type: 'row', id: 1 },
      ]),
    ).toBeNull();
    expect(contentBlocksOf(['text'])).toBeNull();
  });
});
