/** The tool set of the built-in agents, keyed by tool name. */
import type { Tool } from '../agent-types.ts';
import { createCalculatorTool } from './calculator-tool.ts';
import { createClockTool } from './clock-tool.ts';
import { createSearchDocsTool } from './search-docs-tool.ts';

export interface DefaultToolsOptions {
  /** The clock tool's time source (tests and replays fix it). */
  now?: () => Date;
}

export function createDefaultTools(options: DefaultToolsOptions = {}): ReadonlyMap<string, Tool> {
  const tools: Tool[] = [createCalculatorTool(), createClockTool(options.now ? { now: options.now } : {}), createSearchDocsTool()];
  return new Map(tools.map((tool) => [tool.name, tool]));
}
