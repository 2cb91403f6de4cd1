import { describe, expect, it } from 'vitest';
import { scriptStepSchema, type ScriptStep } from '../../protocol/index.ts';
import { createRecordingAgentContext } from './recording-agent-context.ts';
import { createScriptedAgent, MISSING_SCRIPT_MESSAGE } from './scripted-agent.ts';

const agent = createScriptedAgent();

async function play(script: ScriptStep[] | undefined, signal?: AbortSignal) {
  const recording = createRecordingAgentContext({
    content: 'scripted',
    runId: 'run-s',
    monotonicNow: () => 0,
    ...(script === undefined ? {} : { script }),
    ...(signal === undefined ? {} : { signal }),
  });
  return { ...recording, result: agent.run(recording.context) };
}

describe('scripted agent', () => {
  it('is named scripted', () => {
    expect(agent.name).toBe('scripted');
  });

  it('plays think, tool and respond steps exactly, in order', async () => {
    const script: ScriptStep[] = [
      { think: 'looking up the weather' },
      { tool: 'weather', args: { city: 'Paris' }, result: { temp: 21 } },
      { think: 'now the news' },
      { tool: 'news', result: ['a', 'b'] },
      { respond: 'It is 21 degrees.' },
    ];
    for (const step of script) expect(scriptStepSchema.safeParse(step).success).toBe(true);
    const { events, result } = await play(script);
    await expect(result).resolves.toEqual({ response: 'It is 21 degrees.' });
    expect(events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'looking up the weather', step: 1 } },
      { type: 'tool_executing', payload: { tool: 'weather', call_id: 'run-s:call-1', args: { city: 'Paris' } } },
      { type: 'tool_completed', payload: { tool: 'weather', call_id: 'run-s:call-1', ok: true, result: { temp: 21 }, duration_ms: 0 } },
      { type: 'agent_thinking', payload: { thought: 'now the news', step: 2 } },
      { type: 'tool_executing', payload: { tool: 'news', call_id: 'run-s:call-2', args: {} } },
      { type: 'tool_completed', payload: { tool: 'news', call_id: 'run-s:call-2', ok: true, result: ['a', 'b'], duration_ms: 0 } },
    ]);
  });

  it('simulates a failing tool and goes on', async () => {
    const { events, result } = await play([{ tool: 'db', fail: true, error: 'connection refused' }, { tool: 'db', fail: true }, { respond: 'recovered' }]);
    await expect(result).resolves.toEqual({ response: 'recovered' });
    expect(events[1]?.payload).toEqual({ tool: 'db', call_id: 'run-s:call-1', ok: false, error: 'connection refused', duration_ms: 0 });
    expect(events[3]?.payload).toMatchObject({ ok: false, error: "tool 'db' failed" });
  });

  it('honours delay_ms', async () => {
    const recording = createRecordingAgentContext({ script: [{ tool: 'slow', delay_ms: 40, result: 1 }] });
    const started = Date.now();
    await agent.run(recording.context);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(recording.events[1]?.payload).toMatchObject({ ok: true, result: 1 });
    const completed = recording.events[1];
    expect(completed?.type === 'tool_completed' ? completed.payload.duration_ms : 0).toBeGreaterThanOrEqual(35);
  });

  it('lets the last respond win, and defaults to an empty response', async () => {
    await expect((await play([{ respond: 'first' }, { respond: 'second' }])).result).resolves.toEqual({ response: 'second' });
    await expect((await play([{ think: 'just thinking' }])).result).resolves.toEqual({ response: '' });
  });

  it('fails the run on fail_run, without playing later steps', async () => {
    const { events, result } = await play([{ think: 'about to fail' }, { fail_run: 'upstream exploded' }, { think: 'never' }]);
    await expect(result).rejects.toThrow('upstream exploded');
    expect(events).toEqual([{ type: 'agent_thinking', payload: { thought: 'about to fail', step: 1 } }]);
  });

  it('fails clearly without a script', async () => {
    await expect((await play(undefined)).result).rejects.toThrow(MISSING_SCRIPT_MESSAGE);
    await expect((await play([])).result).rejects.toThrow(/needs payload\.script/);
  });

  it('refuses an unrecognised step', async () => {
    const bogus = [{ think: 'ok' }, { nonsense: true }] as unknown as ScriptStep[];
    await expect((await play(bogus)).result).rejects.toThrow('script step 2 is not a think, tool, respond or fail_run step');
  });

  it('stops when aborted during a delay', async () => {
    const controller = new AbortController();
    const { events, result } = await play([{ tool: 'slow', delay_ms: 60_000 }, { think: 'never' }], controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled')), 10);
    await expect(result).rejects.toThrow('cancelled');
    expect(events.map((event) => event.type)).toEqual(['tool_executing', 'tool_completed']);
  });
});
