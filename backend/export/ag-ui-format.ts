/**
 * The `ag-ui` export format: stored runs as the AG-UI event stream `POST /agui/:agent` sends
 * (the same mapping, backend/agents/ag-ui/flowscope-to-ag-ui.ts), encoded as Server-Sent
 * Events by @ag-ui/encoder, each event with `id: <seq>` of the Flowscope event it comes from.
 * Runs follow one another (RUN_STARTED ... RUN_FINISHED / RUN_ERROR each), threadId = the
 * Flowscope thread id, runId = the run id; a run still in progress is written as far as it
 * is stored. Any AG-UI client can replay the file (serve it as text/event-stream).
 */
import { EventEncoder } from '@ag-ui/encoder';
import { runEventToAgui } from '../agents/ag-ui/flowscope-to-ag-ui.ts';
import type { ExportFormat, ExportRun } from './export-registry.ts';

function writeAgui(runs: readonly ExportRun[]): string {
  const encoder = new EventEncoder();
  let text = '';
  for (const { run, events } of runs) {
    const ids = { threadId: run.threadId, runId: run.id };
    for (const envelope of events) {
      for (const event of runEventToAgui(envelope, ids)) text += `id: ${envelope.seq}\n${encoder.encodeSSE(event)}`;
    }
  }
  return text;
}

export const aguiFormat: ExportFormat = {
  name: 'ag-ui',
  contentType: 'text/event-stream',
  fileExtension: 'sse',
  description: 'AG-UI events as Server-Sent Events (the stream of POST /agui/:agent; docs/ag-ui.md)',
  write: writeAgui,
};
