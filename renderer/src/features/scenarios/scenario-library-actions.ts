/** The scenario library list: loaded from the target, filtered by name. */
import { library, messageOf, set } from './scenario-state.ts';

export const libraryActions = {
  async refreshLibrary(): Promise<void> {
    try {
      set({ library: await library().list(), libraryLoaded: true, libraryError: null });
    } catch (err) {
      set({ libraryLoaded: true, libraryError: messageOf(err) });
    }
  },

  setFilter(filter: string): void {
    set({ filter });
  },
};
