/**
 * The run of the open scenario: live (with the scenario runner against the console's target;
 * steps and envelopes shown once per frame), stopped, or a stored result shown again. A run's
 * result is stored in the library when its scenario has an id.
 */
import type { ReceivedRecord, ScenarioResult } from '../../../../scenario/scenario-result.ts';
import { runScenario } from '../../../../scenario/scenario-runner.ts';
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { createFrameBatch } from '../../ui/frame-batch.ts';
import { getConnections } from '../users/index.ts';
import { resultsActions } from './scenario-results-actions.ts';
import { LiveStepRows, planRows, rowsFromResult, settleRows } from './scenario-step-model.ts';
import { asResult, failure, get, library, messageOf, set, transportsOf, type ScenarioRunView } from './scenario-state.ts';

let controller: AbortController | null = null;

/** Identifies the run in progress: callbacks of an older run change nothing. */
let currentRunToken: object | null = null;

/**
 * What the run in progress reported since the last frame. Step starts and ends and received
 * envelopes arrive in bursts (a `repeat` of thousands of steps): each is O(1) here, and the
 * run view is updated once per animation frame.
 */
interface LiveRun {
  token: object;
  steps: LiveStepRows;
  stepsChanged: boolean;
  received: ReceivedRecord[];
}
let live: LiveRun | null = null;
const liveFrame = createFrameBatch(flushLive);

function flushLive(): void {
  const l = live;
  const run = get().run;
  if (!l || !run || currentRunToken !== l.token || (!l.stepsChanged && l.received.length === 0)) return;
  const patch: Partial<ScenarioRunView> = {};
  if (l.stepsChanged) patch.rows = l.steps.rows();
  if (l.received.length > 0) patch.received = run.received.concat(l.received);
  l.stepsChanged = false;
  l.received = [];
  set({ run: { ...run, ...patch } });
}

function endLive(): void {
  liveFrame.cancel();
  live = null;
}

function updateRun(runToken: object, patch: (run: ScenarioRunView) => Partial<ScenarioRunView>): void {
  const run = get().run;
  if (!run || currentRunToken !== runToken) return;
  set({ run: { ...run, ...patch(run) } });
}

/** Hides the shown run, unless it is still running (it stays visible, so it can be stopped). */
export function clearRun(): void {
  if (get().run?.state !== 'running') set({ run: null });
}

/** Forgets the run of a scenario being deleted (stopping it if it is running). */
export function forgetRun(scenarioId: string): void {
  if (get().run?.scenarioId === scenarioId) controller?.abort();
  currentRunToken = null;
  endLive();
}

export const runActions = {
  async run(): Promise<void> {
    const doc = get().doc;
    // one run at a time: not during a Run all / Run tag either
    if (!doc || get().run?.state === 'running' || get().batch?.state === 'running') return;
    const checked = checkScenarioText(doc.text);
    if (!checked.ok) {
      set({ notice: { kind: 'error', text: 'Fix the scenario before running it.', issues: checked.issues } });
      return;
    }
    const scenario = checked.scenario;
    const token = {};
    currentRunToken = token;
    controller?.abort();
    const abort = new AbortController();
    controller = abort;
    endLive();
    const current: LiveRun = { token, steps: new LiveStepRows(planRows(scenario)), stepsChanged: false, received: [] };
    live = current;
    const changed = () => {
      if (currentRunToken !== token) return;
      liveFrame.request();
    };
    set({
      notice: null,
      comparison: null,
      importError: null,
      run: {
        scenarioId: doc.id,
        name: scenario.name,
        state: 'running',
        started_at: new Date().toISOString(),
        rows: current.steps.rows(),
        received: [],
        result: null,
        transports: transportsOf(scenario),
        text: doc.text,
      },
    });
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, {
        target: getConnections().baseUrl,
        signal: abort.signal,
        ...(doc.id ? { file: doc.id } : {}),
        onStepStart: (step) => {
          current.steps.started(step);
          current.stepsChanged = true;
          changed();
        },
        onStepEnd: (step) => {
          current.steps.ended(step);
          current.stepsChanged = true;
          changed();
        },
        onReceived: (record) => {
          current.received.push(record);
          changed();
        },
      });
    } catch (err) {
      if (live === current) {
        liveFrame.flushNow();
        endLive();
      }
      updateRun(token, () => ({ state: 'error', error: messageOf(err), rows: settleRows(current.steps.rows()) }));
      return;
    } finally {
      if (controller === abort) controller = null;
    }
    if (currentRunToken !== token) return;
    endLive();
    const stopped = abort.signal.aborted;
    updateRun(token, () => ({
      state: stopped ? 'stopped' : 'done',
      result,
      started_at: result.started_at,
      rows: rowsFromResult(result.steps),
      received: result.received,
    }));
    // A stopped run says nothing about the scenario: it is not stored. (An unsaved scenario saved meanwhile has an id now.)
    const id = (currentRunToken === token ? get().run?.scenarioId : undefined) ?? doc.id;
    if (!stopped && id) await storeResult(id, result, token, doc.text);
  },

  stop(): void {
    controller?.abort();
  },

  /** Puts the editor's cursor at a line (a failed step's). */
  jumpTo(line: number, column = 1): void {
    set({ jump: { line, column } });
  },

  /** Shows a stored result in the run panel. */
  async viewResult(resultId: string): Promise<void> {
    const id = get().doc?.id;
    if (!id || get().run?.state === 'running') return;
    try {
      const stored = await library().getResult(id, resultId);
      const result = asResult(stored.result);
      if (!result) throw new Error(`result ${resultId} is not a scenario result`);
      const checked = checkScenarioText(get().doc?.text ?? '');
      currentRunToken = null;
      endLive();
      set({
        comparison: null,
        importError: null,
        run: {
          scenarioId: id,
          name: result.name,
          state: 'done',
          started_at: result.started_at,
          rows: rowsFromResult(result.steps),
          received: result.received,
          result,
          transports: checked.ok ? transportsOf(checked.scenario) : {},
          resultId,
          // the text it ran, when stored with it; else the open text (the lines may have moved since)
          text: typeof stored.result.scenario_text === 'string' ? stored.result.scenario_text : (get().doc?.text ?? ''),
        },
      });
    } catch (err) {
      set({ notice: failure(err) });
    }
  },
};

/** Stores a result with the scenario text it ran (`scenario_text`), so a comparison can say whether the text changed. */
export async function storeResult(id: string, result: ScenarioResult, token?: object, text?: string): Promise<void> {
  try {
    const summary = await library().saveResult(id, text === undefined ? result : ({ ...result, scenario_text: text } as ScenarioResult));
    if (token === undefined || currentRunToken === token) {
      const run = get().run;
      if (run && run.result === result) set({ run: { ...run, resultId: summary.result_id } });
    }
  } catch (err) {
    const run = get().run;
    if (run && run.result === result) set({ run: { ...run, storeError: messageOf(err) } });
  }
  if (get().doc?.id === id) await resultsActions.loadResults();
}
