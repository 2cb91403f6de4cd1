import { describe, expect, it } from 'vitest';
import { renderString, renderText, renderValue, TemplateError } from './template-renderer.ts';

const scope = { user: { a: { id: 'qa-a' } }, r1: { run_id: 'run_1', queue_position: 0 }, n: 3, vars: { greeting: 'hi' } };

describe('template renderer', () => {
  it('a whole-string template keeps the value type', () => {
    expect(renderString('{{n}}', scope)).toBe(3);
    expect(renderString('{{ r1.queue_position }}', scope)).toBe(0);
    expect(renderString('{{r1}}', scope)).toEqual({ run_id: 'run_1', queue_position: 0 });
  });
  it('templates inside text are stringified', () => {
    expect(renderString('run {{r1.run_id}} of {{user.a.id}} #{{n}}', scope)).toBe('run run_1 of qa-a #3');
    expect(renderText('{{n}}', scope)).toBe('3');
  });
  it('renders nested objects and arrays without touching the input', () => {
    const input = { type: 'cancel_run', payload: { run_id: '{{r1.run_id}}', list: ['{{vars.greeting}}', 1, null] } };
    const out = renderValue(input, scope);
    expect(out).toEqual({ type: 'cancel_run', payload: { run_id: 'run_1', list: ['hi', 1, null] } });
    expect(input.payload.run_id).toBe('{{r1.run_id}}');
  });
  it('an undefined name is an error naming what is missing and what is defined', () => {
    expect(() => renderString('{{r2.run_id}}', scope)).toThrow(TemplateError);
    expect(() => renderString('x {{r1.nope}}', scope)).toThrow(/"r1.nope" is not defined \(defined: n, r1, user, vars\)/);
  });
  it('does not read inherited properties', () => {
    expect(() => renderString('{{r1.constructor}}', scope)).toThrow(TemplateError);
  });
  it('text without templates is returned as is', () => {
    expect(renderString('{not json', scope)).toBe('{not json');
  });
  it('keeps a __proto__ key as a plain key (bad-input scenarios send one)', () => {
    const input = JSON.parse('{"type":"user_message","__proto__":{"admin":true},"payload":{"content":"{{vars.greeting}}"}}') as Record<string, unknown>;
    const out = renderValue(input, scope);
    expect(JSON.stringify(out)).toBe('{"type":"user_message","__proto__":{"admin":true},"payload":{"content":"hi"}}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
  it('{$literal: ...} is kept as written, templates and all', () => {
    expect(renderValue({ vars: { $literal: 'Hello {{name}}' }, n: '{{n}}' }, scope)).toEqual({ vars: 'Hello {{name}}', n: 3 });
  });
});
