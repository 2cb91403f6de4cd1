/** Recording: the console's traffic captured as a session and opened as a new scenario. */
export { RecordControl } from './record-control.tsx';
