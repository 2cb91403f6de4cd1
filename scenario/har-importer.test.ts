import { describe, expect, it } from 'vitest';
import { validateScenario } from './scenario-schema.ts';
import { harFromSession } from './har-exporter.ts';
import { decodeSocketIoFrame, sessionFromHar } from './har-importer.ts';
import type { RecordedSession } from './recorded-session.ts';
import { scenarioFromSession } from './session-recorder.ts';

function b64url(value: object): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
/** A JWT as the dev endpoint mints it (the importer reads `sub`, it never verifies). */
function jwt(sub: string): string {
  return `${b64url({ alg: 'HS256' })}.${b64url({ sub, iat: 1795550000, exp: 1795553600 })}.3q2-7wZ0c2lnbmF0dXJl`;
}
const ALICE = jwt('alice');
const BOB = jwt('bob');

// 2026-11-24T20:00:00Z in epoch seconds; the page loaded 1.75 s earlier.
const T = 1795550400;
const PAGE_START = '2026-11-24T19:59:58.250Z';
const at = (epochSeconds: number) => Math.round((epochSeconds - (T - 1.75)) * 1e6) / 1e3;

const ackEnvelope = {
  type: 'message_ack',
  run_id: 'run_7f3a',
  thread_id: 'th_19c2',
  message_id: 'c-1',
  user_id: 'alice',
  timestamp: '2026-11-24T20:00:01.503Z',
  payload: { message_id: 'c-1', run_id: 'run_7f3a', thread_id: 'th_19c2', queue_position: 0, duplicate: false },
};
const runEvent = (seq: number, type: string, payload: object) => ({
  type,
  run_id: 'run_7f3a',
  thread_id: 'th_19c2',
  message_id: 'msg_0b1d',
  user_id: 'alice',
  seq,
  timestamp: '2026-11-24T20:00:01.510Z',
  payload,
});

/** Chrome DevTools "Save all as HAR with content" of a console session (abridged headers). */
const chromeHar = {
  log: {
    version: '1.2',
    creator: { name: 'WebInspector', version: '537.36' },
    pages: [{ startedDateTime: PAGE_START, id: 'page_2', title: 'http://127.0.0.1:8000/', pageTimings: { onContentLoad: 182.4, onLoad: 240.1 } }],
    entries: [
      {
        _initiator: { type: 'other' },
        _priority: 'VeryHigh',
        _resourceType: 'document',
        cache: {},
        pageref: 'page_2',
        request: {
          method: 'GET',
          url: 'http://127.0.0.1:8000/',
          httpVersion: 'HTTP/1.1',
          headers: [],
          queryString: [],
          cookies: [],
          headersSize: 512,
          bodySize: 0,
        },
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          headers: [],
          cookies: [],
          content: { size: 702, mimeType: 'text/html' },
          redirectURL: '',
          headersSize: 230,
          bodySize: 702,
        },
        startedDateTime: PAGE_START,
        time: 3.9,
        timings: { blocked: 1.2, dns: -1, ssl: -1, connect: -1, send: 0.1, wait: 2.1, receive: 0.5 },
      },
      {
        _initiator: { type: 'script' },
        _resourceType: 'websocket',
        cache: {},
        connection: '58211',
        pageref: 'page_2',
        request: {
          method: 'GET',
          url: 'ws://127.0.0.1:8000/socket.io/?EIO=4&transport=websocket',
          httpVersion: 'HTTP/1.1',
          headers: [
            { name: 'Upgrade', value: 'websocket' },
            { name: 'Sec-WebSocket-Version', value: '13' },
          ],
          queryString: [
            { name: 'EIO', value: '4' },
            { name: 'transport', value: 'websocket' },
          ],
          cookies: [],
          headersSize: 466,
          bodySize: 0,
        },
        response: {
          status: 101,
          statusText: 'Switching Protocols',
          httpVersion: 'HTTP/1.1',
          headers: [{ name: 'Upgrade', value: 'websocket' }],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: 129,
          bodySize: 0,
          _transferSize: 129,
          _error: null,
        },
        serverIPAddress: '127.0.0.1',
        startedDateTime: '2026-11-24T20:00:00.101Z',
        time: 2.77,
        timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 2.77, receive: 0, _blocked_queueing: -1 },
        _webSocketMessages: [
          {
            type: 'receive',
            time: T + 0.105671,
            opcode: 1,
            data: '0{"sid":"Lbo5JLzTotvW3g5LAAAA","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
          },
          { type: 'send', time: T + 0.106012, opcode: 1, data: `40{"token":"${ALICE}"}` },
          { type: 'receive', time: T + 0.108, opcode: 1, data: '40{"sid":"wZX3oN0bSVIhsaKqAAAB"}' },
          { type: 'send', time: T + 1.5, opcode: 1, data: '42["message",{"type":"user_message","message_id":"c-1","payload":{"content":"what is 6 * 7?"}}]' },
          { type: 'receive', time: T + 1.503, opcode: 1, data: `42["message_ack",${JSON.stringify(ackEnvelope)}]` },
          {
            type: 'receive',
            time: T + 1.51,
            opcode: 1,
            data: `42["agent_started",${JSON.stringify(runEvent(1, 'agent_started', { agent: 'assistant', input: 'what is 6 * 7?' }))}]`,
          },
          {
            type: 'receive',
            time: T + 1.512,
            opcode: 1,
            data: `42["agent_thinking",${JSON.stringify(runEvent(2, 'agent_thinking', { thought: 'an expression: calculator', step: 1 }))}]`,
          },
          {
            type: 'receive',
            time: T + 1.52,
            opcode: 1,
            data: `42["tool_executing",${JSON.stringify(runEvent(3, 'tool_executing', { tool: 'calculator', call_id: 'call_1', args: { expression: '6 * 7' } }))}]`,
          },
          {
            type: 'receive',
            time: T + 1.526,
            opcode: 1,
            data: `42["tool_completed",${JSON.stringify(runEvent(4, 'tool_completed', { tool: 'calculator', call_id: 'call_1', ok: true, result: { value: 42 }, duration_ms: 1 }))}]`,
          },
          {
            type: 'receive',
            time: T + 1.531,
            opcode: 1,
            data: `42["agent_completed",${JSON.stringify(runEvent(5, 'agent_completed', { status: 'succeeded', response: '6 * 7 = 42.', error: null, duration_ms: 21 }))}]`,
          },
          // Engine.IO heartbeat.
          { type: 'receive', time: T + 25.108, opcode: 1, data: '2' },
          { type: 'send', time: T + 25.109, opcode: 1, data: '3' },
          // The console sends the editor's text: a string argument.
          { type: 'send', time: T + 26, opcode: 1, data: String.raw`42["message","{\"type\":\"ping\",\"message_id\":\"p-1\"}"]` },
          { type: 'receive', time: T + 26.002, opcode: 1, data: '42["pong",{"type":"pong","message_id":"p-1","timestamp":"2026-11-24T20:00:26.002Z"}]' },
          // An emit with an ack id.
          { type: 'send', time: T + 27, opcode: 1, data: '4212["message",{"type":"ping","message_id":"p-2"}]' },
          // A binary event and its attachment: skipped.
          { type: 'send', time: T + 28, opcode: 1, data: '451-["message",{"_placeholder":true,"num":0}]' },
          { type: 'send', time: T + 28, opcode: 2, data: 'AAECAw==' },
        ],
      },
      {
        _resourceType: 'websocket',
        cache: {},
        pageref: 'page_2',
        request: {
          method: 'GET',
          url: `ws://127.0.0.1:8000/ws?token=${BOB}`,
          httpVersion: 'HTTP/1.1',
          headers: [],
          queryString: [{ name: 'token', value: BOB }],
          cookies: [],
          headersSize: 390,
          bodySize: 0,
        },
        response: {
          status: 101,
          statusText: 'Switching Protocols',
          httpVersion: 'HTTP/1.1',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: 129,
          bodySize: 0,
        },
        startedDateTime: '2026-11-24T20:00:00.300Z',
        time: 1.4,
        timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 1.4, receive: 0 },
        _webSocketMessages: [
          // The connection module's readiness ping: plumbing, not part of the session.
          { type: 'send', time: T + 0.302, opcode: 1, data: '{"type":"ping","message_id":"__flowscope_ready__"}' },
          { type: 'receive', time: T + 0.303, opcode: 1, data: '{"type":"pong","message_id":"__flowscope_ready__","timestamp":"2026-11-24T20:00:00.303Z"}' },
          { type: 'send', time: T + 3, opcode: 1, data: 'not json {' },
          {
            type: 'receive',
            time: T + 3.001,
            opcode: 1,
            data: '{"type":"error","timestamp":"2026-11-24T20:00:03.001Z","payload":{"code":"INVALID_JSON","message":"Message is not valid JSON","message_id":null}}',
          },
          { type: 'send', time: T + 4, opcode: 1, data: '{"type":"cancel_run","message_id":"k-1","payload":{"run_id":"run_7f3a"}}' },
        ],
      },
      {
        // Vite's HMR socket: not a Flowscope connection.
        _resourceType: 'websocket',
        request: {
          method: 'GET',
          url: 'ws://127.0.0.1:5173/?token=hmr-7Hq2',
          httpVersion: 'HTTP/1.1',
          headers: [],
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 101,
          statusText: 'Switching Protocols',
          httpVersion: 'HTTP/1.1',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: 0,
        },
        startedDateTime: '2026-11-24T20:00:00.090Z',
        time: 1,
        timings: { send: 0, wait: 1, receive: 0 },
        _webSocketMessages: [{ type: 'receive', time: T + 0.09, opcode: 1, data: '{"type":"connected"}' }],
      },
    ],
  },
};

describe('sessionFromHar', () => {
  it('reads a Chrome HAR: Engine.IO/Socket.IO framing, /ws JSON frames, users named by their token', () => {
    const result = sessionFromHar(chromeHar);
    if (!result.ok) throw new Error(result.error);
    const s = result.session;
    expect(s.target).toBe('http://127.0.0.1:8000');
    expect(s.started_at).toBe(PAGE_START);
    expect(s.users).toEqual([
      { key: 'a', id: 'alice', transport: 'socketio' },
      { key: 'b', id: 'bob', transport: 'ws' },
    ]);
    expect(s.sent).toEqual([
      { user: 'a', at_ms: at(T + 1.5), data: { type: 'user_message', message_id: 'c-1', payload: { content: 'what is 6 * 7?' } } },
      { user: 'b', at_ms: at(T + 3), data: 'not json {' },
      { user: 'b', at_ms: at(T + 4), data: { type: 'cancel_run', message_id: 'k-1', payload: { run_id: 'run_7f3a' } } },
      { user: 'a', at_ms: at(T + 26), data: '{"type":"ping","message_id":"p-1"}' },
      { user: 'a', at_ms: at(T + 27), data: { type: 'ping', message_id: 'p-2' } },
    ]);
    expect(s.received.map((r) => [r.user, r.envelope.type, r.envelope.seq])).toEqual([
      ['a', 'message_ack', undefined],
      ['a', 'agent_started', 1],
      ['a', 'agent_thinking', 2],
      ['a', 'tool_executing', 3],
      ['a', 'tool_completed', 4],
      ['a', 'agent_completed', 5],
      ['b', 'error', undefined],
      ['a', 'pong', undefined],
    ]);
    expect(s.received[0]).toEqual({ user: 'a', at_ms: at(T + 1.503), envelope: ackEnvelope });
    expect(s.sent[0]?.at_ms).toBe(3250);
  });

  it('makes a replayable scenario of a Chrome recording', () => {
    const result = sessionFromHar(JSON.stringify(chromeHar));
    if (!result.ok) throw new Error(result.error);
    const scenario = scenarioFromSession(result.session, { name: 'from chrome' });
    expect(validateScenario(scenario).ok).toBe(true);
    expect(scenario.steps.filter((s) => s.send).map((s) => s.send)).toEqual([
      { as: 'a', message: { type: 'user_message', payload: { content: 'what is 6 * 7?' } }, save_as: 'r1' },
      { as: 'b', raw: 'not json {', expect: { error: 'INVALID_JSON' } },
      // bob cancelling alice's run: the id refers to the run of the replay.
      { as: 'b', message: { type: 'cancel_run', payload: { run_id: '{{r1.run_id}}' } } },
      { as: 'a', message: { type: 'ping' } },
      { as: 'a', message: { type: 'ping' }, expect: 'none' },
    ]);
  });

  it('reads a recording of batched delivery (the console asks for it) as the same session', () => {
    // The same traffic as a console that asks for batched delivery receives it: Socket.IO `batch`
    // events (the run's five events in one), /ws JSON arrays (the ready pong's included).
    const har = structuredClone(chromeHar);
    const [, sio, ws] = har.log.entries as Array<{ _webSocketMessages: Array<{ type: string; time: number; opcode: number; data: string }> }>;
    const asBatch = (data: string) =>
      `42["batch",[${JSON.stringify({ type: (JSON.parse(data.slice(2)) as [string])[0], ...(JSON.parse(data.slice(2)) as [string, object])[1] })}]]`;
    const messages = sio!._webSocketMessages.map((m) => (m.type === 'receive' && m.data.startsWith('42[') ? { ...m, data: asBatch(m.data) } : m));
    const runFrames = messages.filter((m) => m.data.includes('"run_id":"run_7f3a","thread_id":"th_19c2","message_id":"msg_0b1d"'));
    const oneFrame = { ...runFrames[0]!, data: `42["batch",[${runFrames.map((m) => m.data.slice('42["batch",['.length, -2)).join(',')}]]` };
    sio!._webSocketMessages = messages.flatMap((m) => (m === runFrames[0] ? [oneFrame] : runFrames.includes(m) ? [] : [m]));
    ws!._webSocketMessages = ws!._webSocketMessages.map((m) => (m.type === 'receive' ? { ...m, data: `[${m.data}]` } : m));

    const plain = sessionFromHar(chromeHar);
    const result = sessionFromHar(har);
    if (!result.ok || !plain.ok) throw new Error('not read');
    expect(result.session.users).toEqual(plain.session.users);
    expect(result.session.sent).toEqual(plain.session.sent);
    expect(result.session.received.map((r) => [r.user, r.envelope])).toEqual(plain.session.received.map((r) => [r.user, r.envelope]));
    expect(scenarioFromSession(result.session, { name: 'batched' })).toEqual(scenarioFromSession(plain.session, { name: 'batched' }));
  });

  it('explains what is wrong with input that is not a usable HAR', () => {
    expect(sessionFromHar('{"log": {')).toEqual({ ok: false, error: expect.stringMatching(/^not JSON/) });
    expect(sessionFromHar({ entries: [] })).toEqual({ ok: false, error: expect.stringMatching(/log\.entries is missing/) });
    expect(sessionFromHar(null)).toEqual({ ok: false, error: expect.stringMatching(/log\.entries is missing/) });
    const pagesOnly = { log: { ...chromeHar.log, entries: chromeHar.log.entries.slice(0, 1) } };
    expect(sessionFromHar(pagesOnly)).toEqual({ ok: false, error: expect.stringMatching(/no WebSocket connections in this HAR \(1 entries/) });
    const hmrOnly = { log: { ...chromeHar.log, entries: chromeHar.log.entries.slice(3) } };
    expect(sessionFromHar(hmrOnly)).toEqual({ ok: false, error: expect.stringMatching(/1 WebSocket connection\(s\) in this HAR, none to Socket\.IO/) });
  });

  it('names a user from the events when no token was recorded, and recognises Engine.IO on another path', () => {
    const har = {
      log: {
        version: '1.2',
        creator: { name: 'Playwright', version: '1.58.0' },
        pages: [],
        entries: [
          {
            startedDateTime: '2026-11-24T20:00:00.000Z',
            request: { method: 'GET', url: 'wss://console.example.com/realtime/?EIO=4' },
            _webSocketMessages: [
              { type: 'receive', time: T, opcode: 1, data: '0{"sid":"x1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
              { type: 'send', time: T + 0.001, opcode: 1, data: '40' },
              {
                type: 'receive',
                time: T + 0.01,
                opcode: 1,
                data: '42["error",{"type":"error","user_id":"carol","timestamp":"t","payload":{"code":"RATE_LIMITED","message":"slow down","message_id":null}}]',
              },
            ],
          },
        ],
      },
    };
    const result = sessionFromHar(har);
    if (!result.ok) throw new Error(result.error);
    expect(result.session.users).toEqual([{ key: 'a', id: 'carol', transport: 'socketio' }]);
    expect(result.session.target).toBe('https://console.example.com/realtime');
    expect(result.session.started_at).toBe('2026-11-24T20:00:00.000Z');
    expect(result.session.received[0]?.at_ms).toBe(10);
  });
});

describe('decodeSocketIoFrame', () => {
  it('decodes events with and without ack ids and namespaces, and leaves transport packets out', () => {
    expect(decodeSocketIoFrame('42["pong",{"type":"pong"}]')).toEqual({ type: '2', nsp: '/', data: ['pong', { type: 'pong' }] });
    expect(decodeSocketIoFrame('4213["message","hi"]')).toEqual({ type: '2', nsp: '/', data: ['message', 'hi'] });
    expect(decodeSocketIoFrame('42/admin,7["x",1]')).toEqual({ type: '2', nsp: '/admin', data: ['x', 1] });
    expect(decodeSocketIoFrame('40{"token":"t"}')).toEqual({ type: '0', nsp: '/', data: { token: 't' } });
    expect(decodeSocketIoFrame('40')).toEqual({ type: '0', nsp: '/', data: undefined });
    expect(decodeSocketIoFrame('451-["message",{"_placeholder":true,"num":0}]')).toEqual({ type: '5', nsp: '/', data: undefined });
    for (const transportOnly of ['0{"sid":"s"}', '2', '3', '2probe', '5', '6', '1']) expect(decodeSocketIoFrame(transportOnly)).toBeUndefined();
    expect(decodeSocketIoFrame('42[broken')).toBeUndefined();
  });
});

describe('round trip', () => {
  /** A session as the runner records it, both transports, malformed input included. */
  const original: RecordedSession = {
    target: 'http://127.0.0.1:8000',
    started_at: '2026-11-24T20:00:00.000Z',
    users: [
      { key: 'a', id: 'recorded-a-mwv53t', transport: 'socketio' },
      { key: 'b', id: 'recorded-b-mwv53t', transport: 'ws' },
    ],
    sent: [
      { user: 'a', at_ms: 4.3, data: { type: 'user_message', message_id: 'mwv53t-m1', payload: { content: 'what is 2 + 2 * 3?' } } },
      { user: 'b', at_ms: 7.1, data: { type: 'ping', message_id: 'mwv53t-m2' } },
      { user: 'a', at_ms: 61.7, data: 'not json {' },
      { user: 'b', at_ms: 80.2, data: '"a bare string"' },
    ],
    received: [
      {
        user: 'a',
        at_ms: 6.9,
        envelope: {
          type: 'message_ack',
          run_id: 'run_1',
          thread_id: 'th_1',
          message_id: 'mwv53t-m1',
          user_id: 'recorded-a-mwv53t',
          timestamp: '2026-11-24T20:00:00.006Z',
          payload: { message_id: 'mwv53t-m1', run_id: 'run_1', thread_id: 'th_1', queue_position: 0, duplicate: false },
        },
      },
      { user: 'b', at_ms: 8.4, envelope: { type: 'pong', message_id: 'mwv53t-m2', timestamp: '2026-11-24T20:00:00.008Z' } },
      ...(
        [
          ['agent_started', { agent: 'assistant', input: 'what is 2 + 2 * 3?' }],
          ['agent_thinking', { thought: 'calculator', step: 1 }],
          ['tool_executing', { tool: 'calculator', call_id: 'c1', args: { expression: '2 + 2 * 3' } }],
          ['tool_completed', { tool: 'calculator', call_id: 'c1', ok: true, result: { value: 8 }, duration_ms: 0.4 }],
          ['agent_completed', { status: 'succeeded', response: '2 + 2 * 3 = 8.', error: null, duration_ms: 9 }],
        ] as const
      ).map(([type, payload], i) => ({
        user: 'a',
        at_ms: Math.round((10.2 + i * 1.3) * 10) / 10,
        envelope: {
          type,
          run_id: 'run_1',
          thread_id: 'th_1',
          message_id: 'msg_1',
          user_id: 'recorded-a-mwv53t',
          seq: i + 1,
          timestamp: '2026-11-24T20:00:00.010Z',
          payload,
        },
      })),
      {
        user: 'a',
        at_ms: 62.5,
        envelope: {
          type: 'error',
          timestamp: '2026-11-24T20:00:00.062Z',
          payload: { code: 'INVALID_JSON', message: 'Message is not valid JSON', message_id: null },
        },
      },
      { user: 'b', at_ms: 81.9, envelope: { type: '(unparseable)', raw: 'garbage from a proxy' } },
    ],
  };

  it('session → HAR → session gives back the same users, sent and received data', () => {
    const result = sessionFromHar(JSON.parse(JSON.stringify(harFromSession(original))));
    expect(result).toEqual({ ok: true, session: original });
  });

  it('session → scenario validates, and the HAR copy gives the same scenario', () => {
    const scenario = scenarioFromSession(original, { name: 'round trip' });
    expect(validateScenario(JSON.parse(JSON.stringify(scenario)))).toEqual({ ok: true, scenario });
    const back = sessionFromHar(harFromSession(original));
    if (!back.ok) throw new Error(back.error);
    expect(scenarioFromSession(back.session, { name: 'round trip' })).toEqual(scenario);
  });
});
