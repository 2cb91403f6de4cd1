import { describe, expect, it } from 'vitest';
import { ToolCallAssembler } from './tool-call-assembler.ts';

describe('ToolCallAssembler', () => {
  it('joins argument fragments per index, however the calls interleave', () => {
    const calls = new ToolCallAssembler();
    calls.add([{ index: 0, id: 'a', function: { name: 'calculator', arguments: '' } }]);
    calls.add([{ index: 1, id: 'b', function: { name: 'clock', arguments: '{"tz' } }]);
    calls.add([
      { index: 0, function: { arguments: '{"expr' } },
      { index: 1, function: { arguments: '":"UTC"}' } },
    ]);
    calls.add([{ index: 0, function: { arguments: 'ession":"1+1"}' } }]);
    expect(calls.size).toBe(2);
    expect(calls.finish(1, new Set())).toEqual([
      { id: 'a', name: 'calculator', argumentsText: '{"expression":"1+1"}' },
      { id: 'b', name: 'clock', argumentsText: '{"tz":"UTC"}' },
    ]);
  });

  it('orders by index, not by arrival', () => {
    const calls = new ToolCallAssembler();
    calls.add([{ index: 2, id: 'c', function: { name: 'x', arguments: '{}' } }]);
    calls.add([{ index: 0, id: 'a', function: { name: 'x', arguments: '{}' } }]);
    expect(calls.finish(1, new Set()).map((c) => c.id)).toEqual(['a', 'c']);
  });

  it('keeps the first id and name when a server repeats them in later deltas', () => {
    const calls = new ToolCallAssembler();
    calls.add([{ index: 0, id: 'a', function: { name: 'calc', arguments: '{"x":' } }]);
    calls.add([{ index: 0, id: 'a', function: { name: 'calc', arguments: '1}' } }]);
    expect(calls.finish(1, new Set())).toEqual([{ id: 'a', name: 'calc', argumentsText: '{"x":1}' }]);
  });

  it('takes each new id as a new call when the server sends no index', () => {
    const calls = new ToolCallAssembler();
    calls.add([{ id: 'a', function: { name: 'one', arguments: '{"n":1}' } }]);
    calls.add([{ id: 'b', function: { name: 'two', arguments: '{"n":' } }]);
    calls.add([{ function: { arguments: '2}' } }]);
    expect(calls.finish(1, new Set())).toEqual([
      { id: 'a', name: 'one', argumentsText: '{"n":1}' },
      { id: 'b', name: 'two', argumentsText: '{"n":2}' },
    ]);
  });

  it('makes up missing ids and renames ids used before in the run', () => {
    const used = new Set<string>(['call_0']);
    const calls = new ToolCallAssembler();
    calls.add([{ index: 0, id: 'call_0', function: { name: 'x', arguments: '{}' } }]);
    calls.add([{ index: 1, function: { name: 'y', arguments: '{}' } }]);
    calls.add([{ index: 2, id: 'call_0', function: { name: 'z', arguments: '{}' } }]);
    expect(calls.finish(3, used).map((c) => c.id)).toEqual(['call_0_3_1', 'call_3_2', 'call_0_3_3']);
    expect([...used]).toEqual(['call_0', 'call_0_3_1', 'call_3_2', 'call_0_3_3']);
  });
});
