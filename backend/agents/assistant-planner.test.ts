import { describe, expect, it } from 'vitest';
import { asksForTime, planAssistantCalls, timezoneFromContent } from './assistant-planner.ts';

describe('asksForTime', () => {
  it.each([
    'What time is it?',
    "what's the time",
    'what is the date today?',
    'current time please',
    'date now',
    "today's date",
    'what day is it',
    'time in Europe/Paris',
    'What is the current date?',
  ])('%s → yes', (text) => {
    expect(asksForTime(text)).toBe(true);
  });

  it.each([
    'what is the time limit for a run?',
    'how does the timeout work',
    'set the timezone',
    'what is the date format of timestamps',
    'runtime errors',
    'How do priorities work?',
  ])('%s → no', (text) => {
    expect(asksForTime(text)).toBe(false);
  });
});

describe('timezoneFromContent', () => {
  it.each([
    ['what time is it?', 'UTC'],
    ['what time is it in Europe/Paris?', 'Europe/Paris'],
    ['time in america/new_york', 'america/new_york'],
    ['what time is it in Tokyo?', 'Asia/Tokyo'],
    ['what time is it in New York right now', 'America/New_York'],
    ['what time is it in Atlantis', 'UTC'],
    ['time in Europe/Atlantis', 'Europe/Atlantis'],
  ])('%s → %s', (text, zone) => {
    expect(timezoneFromContent(text)).toBe(zone);
  });
});

describe('planAssistantCalls', () => {
  it('uses the calculator for an expression', () => {
    expect(planAssistantCalls('what is 2 + 2 * 3?')).toEqual([{ tool: 'calculator', args: { expression: '2 + 2 * 3' } }]);
  });

  it('uses the clock for the time', () => {
    expect(planAssistantCalls('What time is it?')).toEqual([{ tool: 'clock', args: { timezone: 'UTC' } }]);
  });

  it('searches the docs otherwise, with the whole content', () => {
    expect(planAssistantCalls('How does resume work?')).toEqual([{ tool: 'search_docs', args: { query: 'How does resume work?' } }]);
  });

  it('combines calculations and the clock, in order', () => {
    expect(planAssistantCalls('what is 3*4 and what time is it in Europe/Paris')).toEqual([
      { tool: 'calculator', args: { expression: '3*4' } },
      { tool: 'clock', args: { timezone: 'Europe/Paris' } },
    ]);
  });

  it('always plans at least one call', () => {
    for (const content of ['', ' ', '?', '42', 'time']) expect(planAssistantCalls(content).length).toBeGreaterThan(0);
  });
});
