/** The backend's public surface: the only module main/ and cli/ may import. */
export { startBackend, createBackendLogger, type BackendOptions, type RunningBackend, type Logger } from './server/flowscope-server.ts';
export { createLogger, type BackendLogger, type LogFields, type LogFormat, type LogLevel } from './logging/logger.ts';
export { DataFolderInUseError } from './server/data-folder-lock.ts';
export { AgentModuleError } from './agents/agent-modules.ts';
export type * from './agents/agent-types.ts';
export { loadConfig, DEFAULT_CONFIG, type BackendConfig } from './config/backend-config.ts';
export { didYouMean, flagProblem, FlagError, formatFlagList, parseFlags, type FlagHelp, type FlagTable } from './config/cli-flags.ts';
export {
  parseAgentHeaderFlags,
  parseTimeoutSetting,
  HttpAgentConfigError,
  MAX_IDLE_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  type AgentHeaderEntry,
} from './agents/http/index.ts';
export { exportFormat, exportFormatNames, registerExportFormat, type ExportContext, type ExportFormat, type ExportRun } from './export/index.ts';
export { ExportError, openExportStore, requireExportFormat, runsById, runsOfThread } from './export/export-runs.ts';
