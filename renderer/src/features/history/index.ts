/** History: a user's threads, conversations and past runs over REST (a run can go into the timeline). */
export { HistoryPanel } from './history-panel.tsx';
