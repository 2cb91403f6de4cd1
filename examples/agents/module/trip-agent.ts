/**
 * An agent module: `npx flowscope serve --agent examples/agents/module/trip-agent.ts`.
 * It plans a trip by calling its own `weather` tool for every city it finds in the message,
 * in parallel, and remembers the thread's earlier cities through `ctx.history`.
 */
import type { Agent, Tool } from 'flowscope/agent';

const FORECASTS: Record<string, { sky: string; high_c: number }> = {
  oslo: { sky: 'snow', high_c: -2 },
  lisbon: { sky: 'sun', high_c: 19 },
  paris: { sky: 'rain', high_c: 9 },
  tokyo: { sky: 'clouds', high_c: 12 },
};

export const tools: Tool[] = [
  {
    name: 'weather',
    description: 'The forecast for a city (Oslo, Lisbon, Paris or Tokyo).',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'The city name.' } },
      required: ['city'],
      additionalProperties: false,
    },
    async execute(args, signal) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      signal.throwIfAborted();
      const forecast = FORECASTS[String(args.city).toLowerCase()];
      if (!forecast) throw new Error(`no forecast for ${String(args.city)}`);
      return { city: args.city, ...forecast };
    },
  },
];

const agent: Agent = {
  name: 'trip-planner',
  description: 'Plans a trip: checks the weather of every city it is told about, in parallel.',
  async run(ctx) {
    const mentioned = (text: string) => Object.keys(FORECASTS).filter((city) => text.toLowerCase().includes(city));
    const earlier = ctx.history.filter((m) => m.role === 'user').flatMap((m) => mentioned(m.content));
    const cities = [...new Set([...mentioned(ctx.input.content), ...earlier])];
    await ctx.think(cities.length ? `Checking the weather in ${cities.join(', ')}` : 'No city I know of; answering directly');
    // Parallel tool calls: both pairs open at once, each completed when its call ends.
    const outcomes = await Promise.all(cities.map((city) => ctx.callTool('weather', { city })));
    const lines = outcomes.map((o) => (o.ok ? JSON.stringify(o.result) : `failed: ${o.error ?? ''}`));
    return { response: lines.length ? `Forecasts: ${lines.join('; ')}` : 'Tell me where you are going (Oslo, Lisbon, Paris or Tokyo).' };
  },
};

export default agent;
