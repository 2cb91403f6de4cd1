/** Which view the console shows: the live console, the scenario library or the tools. */
import { createExternalStore } from './external-store.ts';

export type ConsoleView = 'console' | 'scenarios' | 'tools';

export const viewStore = createExternalStore<{ view: ConsoleView }>({ view: 'console' });

export function showView(view: ConsoleView): void {
  viewStore.set({ view });
}
