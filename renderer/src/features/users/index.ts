/**
 * Users and targets: the target (environment) the console talks to, its users, their tokens
 * and connections (reconnect, resume), and the traffic those connections carry.
 */
export { UsersPanel } from './users-panel.tsx';
export {
  connectionActions,
  getConnections,
  onConnectionEnd,
  onEnvelope,
  onTargetChange,
  rest,
  setRunsToResume,
  setTargetField,
  targetField,
  useConnections,
  type ConnectionsState,
  type SendResult,
  type UserEntry,
  type UserState,
} from './connection-store.ts';
export { onTraffic, trafficLog, type Traffic } from './traffic.ts';
export { SessionCapture } from './session-capture.ts';
