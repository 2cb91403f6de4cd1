/** Which view the console shows: the live console or the scenario library. */
import { createExternalStore } from './external-store.ts';

export type ConsoleView = 'console' | 'scenarios';

export const viewStore = createExternalStore<{ view: ConsoleView }>({ view: 'console' });

export function showView(view: ConsoleView): void {
  viewStore.set({ view });
}
