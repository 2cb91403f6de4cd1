/**
 * The export formats, registered once here: a new format is its file in this folder and one
 * `registerExportFormat(...)` line below.
 */
import { registerExportFormat } from './export-registry.ts';
import { otlpFormat } from './otlp-format.ts';
import { aguiFormat } from './ag-ui-format.ts';

registerExportFormat(otlpFormat);
registerExportFormat(aguiFormat);

export { exportFormat, exportFormatNames, registerExportFormat, type ExportContext, type ExportFormat, type ExportRun } from './export-registry.ts';
