/** Composer and sends: the message editor, templates, saved messages, the agent picker, and what became of each send. */
export { ComposerPanel } from './composer-panel.tsx';
export { sendActions, useSends, type SavedMessage, type SendsState } from './sends-store.ts';
export type { SentMessage } from './send-outcome.ts';
