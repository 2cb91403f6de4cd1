/**
 * The Scenarios view's state and actions: the library list, the scenario open in the editor
 * (saved, built-in or new), the live run of it, its stored results, and a comparison of two.
 * Runs go against the console's backend with the scenario runner (scenario/); their
 * results are stored in the library when the scenario has an id.
 */
import type { TransportKind } from '../../client/flowscope-connection.ts';
import { createScenarioLibraryClient, ScenarioLibraryApiError, type ScenarioLibraryClient } from '../../client/scenario-library-client.ts';
import type { RecordedSession } from '../../scenario/recorded-session.ts';
import { scenarioFromSession } from '../../scenario/session-recorder.ts';
import { compareResults, type RunComparison } from '../../scenario/run-comparison.ts';
import type { ReceivedRecord, ScenarioResult } from '../../scenario/scenario-result.ts';
import { runScenario } from '../../scenario/scenario-runner.ts';
import type { ScenarioIssue, ScenarioResultSummary, ScenarioSource, ScenarioSummary } from '../../protocol/index.ts';
import { checkScenarioText, scenarioTextFormat } from '../../scenario/scenario-loader.ts';
import type { Scenario } from '../../scenario/scenario-schema.ts';
import { getConsoleState } from './console-store.ts';
import { createExternalStore } from './external-store.ts';
import { createFrameBatch } from './frame-batch.ts';
import { sessionFromHarText } from './har-file.ts';
import { NEW_SCENARIO_TEXT, scenarioToYaml } from './scenario-text.ts';
import { LiveStepRows, planRows, rowsFromResult, settleRows, type StepRow } from './scenario-step-model.ts';
import { createConfirmGate, hasUnsavedChanges, unsavedLabel, type DiscardPrompt } from './unsaved-changes.ts';
import { showView } from './view-store.ts';

export interface OpenScenario {
  /** Which opening this is: each open (even of the same scenario) gets a new key, and the editor a fresh undo history. */
  key: number;
  /** Library id; null for a scenario not saved yet. */
  id: string | null;
  source: ScenarioSource | null;
  text: string;
  /** The text as last opened or saved: `text !== savedText` means unsaved changes (unsaved-changes.ts). */
  savedText: string;
  /** Where an unsaved scenario came from. */
  origin: 'library' | 'new' | 'recording' | 'har';
  /** The session it was recorded or imported from (exportable as HAR). */
  session?: RecordedSession;
}

export interface ScenarioRunView {
  /** The library id the run belongs to (null: an unsaved scenario). */
  scenarioId: string | null;
  name: string;
  state: 'running' | 'done' | 'stopped' | 'error';
  started_at: string;
  rows: StepRow[];
  received: ReceivedRecord[];
  result: ScenarioResult | null;
  /** Per scenario user, for HAR export of the result. */
  transports: Record<string, TransportKind>;
  /** The stored result's id (a result opened from the list, or this run once stored). */
  resultId?: string;
  error?: string;
  /** Why the result could not be stored. */
  storeError?: string;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
  issues?: ScenarioIssue[];
}

export interface ScenarioComparison {
  left: ScenarioResultSummary;
  right: ScenarioResultSummary;
  comparison: RunComparison;
  /** Whether the scenario text differed between A and B; null when a result was stored without its text. */
  textDiffered: boolean | null;
  /** Lines of B's text not in A's, and of A's not in B's (when both texts are known). */
  textChanges?: { added: number; removed: number };
}

export interface ScenarioState {
  library: ScenarioSummary[];
  libraryLoaded: boolean;
  libraryError: string | null;
  /** Why the last HAR file could not be imported; cleared by the next action that succeeds. */
  importError: string | null;
  filter: string;
  doc: OpenScenario | null;
  busy: boolean;
  notice: Notice | null;
  run: ScenarioRunView | null;
  results: ScenarioResultSummary[];
  /** Result ids ticked for comparison (at most two, oldest dropped). */
  picked: string[];
  comparison: ScenarioComparison | null;
  /** Asking whether to discard the open scenario's unsaved changes (unsaved-changes-guard.tsx). */
  discardPrompt: DiscardPrompt | null;
}

export const scenarioStore = createExternalStore<ScenarioState>({
  library: [],
  libraryLoaded: false,
  libraryError: null,
  importError: null,
  filter: '',
  doc: null,
  busy: false,
  notice: null,
  run: null,
  results: [],
  picked: [],
  comparison: null,
  discardPrompt: null,
});

const get = () => scenarioStore.get();
const set = (patch: Partial<ScenarioState>) => scenarioStore.set(patch);

function library(): ScenarioLibraryClient {
  return createScenarioLibraryClient(getConsoleState().baseUrl);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function failure(err: unknown): Notice {
  return { kind: 'error', text: messageOf(err), ...(err instanceof ScenarioLibraryApiError && err.issues.length ? { issues: err.issues } : {}) };
}

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

let openings = 0;

/** Asks before the open scenario's unsaved changes are replaced; true: go on. */
const discardGate = createConfirmGate((prompt) => set({ discardPrompt: prompt }));
function confirmDiscard(): Promise<boolean> {
  const doc = get().doc;
  if (!doc || !hasUnsavedChanges(doc)) return Promise.resolve(true);
  return discardGate.ask({ label: unsavedLabel(doc) });
}

function transportsOf(scenario: Scenario): Record<string, TransportKind> {
  const out: Record<string, TransportKind> = {};
  for (const [key, user] of Object.entries(scenario.users)) out[key] = user.transport ?? scenario.transport ?? 'socketio';
  return out;
}

function asResult(value: Record<string, unknown>): ScenarioResult | null {
  return Array.isArray(value.steps) && Array.isArray(value.runs) && Array.isArray(value.received) ? (value as unknown as ScenarioResult) : null;
}

/** Hides the shown run, unless it is still running (it stays visible, so it can be stopped). */
function clearRun(): void {
  if (get().run?.state !== 'running') set({ run: null });
}

export const scenarioActions = {
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

  /** Opens a library scenario (asking first when the open one has unsaved changes). */
  async open(id: string): Promise<void> {
    if (!(await confirmDiscard())) return;
    set({ busy: true, notice: null });
    try {
      const doc = await library().get(id);
      set({
        doc: { key: ++openings, id: doc.id, source: doc.source, text: doc.text, savedText: doc.text, origin: 'library' },
        results: [],
        picked: [],
        comparison: null,
        importError: null,
      });
      if (get().run?.scenarioId !== id) clearRun();
      await scenarioActions.loadResults();
    } catch (err) {
      set({ notice: failure(err) });
    } finally {
      set({ busy: false });
    }
  },

  /**
   * Opens text as a new, unsaved scenario (New, a recording, an imported HAR) and shows the
   * view, asking first when the open scenario has unsaved changes; false: kept, not opened.
   */
  async openUnsaved(text: string, origin: OpenScenario['origin'], session?: RecordedSession): Promise<boolean> {
    showView('scenarios');
    if (!(await confirmDiscard())) return false;
    set({
      doc: { key: ++openings, id: null, source: null, text, savedText: text, origin, ...(session ? { session } : {}) },
      results: [],
      picked: [],
      comparison: null,
      notice: null,
      importError: null,
    });
    clearRun();
    return true;
  },

  async newScenario(): Promise<void> {
    await scenarioActions.openUnsaved(NEW_SCENARIO_TEXT, 'new');
  },

  /** Turns a HAR file (Chrome, Playwright, Flowscope) into a new unsaved scenario. */
  async importHar(file: Pick<File, 'name' | 'text'>): Promise<void> {
    let yaml: string;
    let session: RecordedSession;
    try {
      const read = sessionFromHarText(await file.text());
      if (!read.ok) return set({ importError: read.error });
      session = read.session;
      yaml = scenarioToYaml(scenarioFromSession(session, { name: `Imported ${file.name.replace(/\.har$/i, '')}` }));
    } catch (err) {
      return set({ importError: messageOf(err) });
    }
    await scenarioActions.openUnsaved(yaml, 'har', session);
  },

  /** The answer to "Discard unsaved changes to X?": true discards them, false keeps editing. */
  answerDiscard(proceed: boolean): void {
    discardGate.answer(proceed);
  },

  edit(text: string): void {
    const doc = get().doc;
    if (doc && doc.text !== text) set({ doc: { ...doc, text } });
  },

  /** Writes a saved scenario in place; a new or built-in one is saved as a new scenario. */
  async save(asNew = false): Promise<void> {
    const doc = get().doc;
    if (!doc) return;
    const format = scenarioTextFormat(doc.text);
    set({ busy: true, notice: null });
    try {
      const inPlace = !asNew && doc.id !== null && doc.source === 'saved';
      const saved = inPlace ? await library().update(doc.id as string, doc.text, format) : await library().create(doc.text, format);
      const current = get().doc;
      set({
        doc: { ...(current ?? doc), id: saved.id, source: saved.source, savedText: doc.text, origin: 'library' },
        notice: { kind: 'ok', text: `Saved as ${saved.id}` },
        importError: null,
      });
      await scenarioActions.refreshLibrary();
      if (!inPlace) {
        set({ results: [], picked: [], comparison: null });
        const run = get().run;
        // A run of the unsaved scenario belongs to it now; store its result.
        if (run && run.scenarioId === null && run.result && run.state === 'done') {
          set({ run: { ...run, scenarioId: saved.id } });
          await storeResult(saved.id, run.result);
        }
      }
      await scenarioActions.loadResults();
    } catch (err) {
      set({ notice: failure(err) });
    } finally {
      set({ busy: false });
    }
  },

  async remove(): Promise<void> {
    const doc = get().doc;
    if (!doc?.id || doc.source !== 'saved') return;
    set({ busy: true, notice: null });
    try {
      await library().remove(doc.id);
      if (get().run?.scenarioId === doc.id) controller?.abort();
      currentRunToken = null;
      endLive();
      set({ doc: null, run: null, results: [], picked: [], comparison: null, notice: { kind: 'ok', text: `Deleted ${doc.id}` }, importError: null });
      await scenarioActions.refreshLibrary();
    } catch (err) {
      set({ notice: failure(err) });
    } finally {
      set({ busy: false });
    }
  },

  async run(): Promise<void> {
    const doc = get().doc;
    if (!doc || get().run?.state === 'running') return;
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
      },
    });
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, {
        target: getConsoleState().baseUrl,
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

  async loadResults(): Promise<void> {
    const id = get().doc?.id;
    if (!id) return;
    try {
      const results = await library().listResults(id);
      if (get().doc?.id === id) set({ results, picked: get().picked.filter((p) => results.some((r) => r.result_id === p)) });
    } catch (err) {
      set({ notice: failure(err) });
    }
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
        },
      });
    } catch (err) {
      set({ notice: failure(err) });
    }
  },

  togglePick(resultId: string): void {
    const picked = get().picked;
    set({ picked: picked.includes(resultId) ? picked.filter((p) => p !== resultId) : [...picked, resultId].slice(-2) });
  },

  /** Compares the two picked results, older on the left. */
  async compare(): Promise<void> {
    const id = get().doc?.id;
    const { picked, results } = get();
    if (!id || picked.length !== 2) return;
    const [left, right] = results
      .filter((r) => picked.includes(r.result_id))
      .sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0));
    if (!left || !right) return;
    try {
      const [a, b] = await Promise.all([library().getResult(id, left.result_id), library().getResult(id, right.result_id)]);
      const ra = asResult(a.result);
      const rb = asResult(b.result);
      if (!ra || !rb) throw new Error('one of the results is not a scenario result');
      const ta = typeof a.result.scenario_text === 'string' ? a.result.scenario_text : null;
      const tb = typeof b.result.scenario_text === 'string' ? b.result.scenario_text : null;
      const textDiffered = ta === null || tb === null ? null : ta !== tb;
      set({
        comparison: {
          left,
          right,
          comparison: compareResults(ra, rb),
          textDiffered,
          ...(ta !== null && tb !== null && ta !== tb ? { textChanges: lineChanges(ta, tb) } : {}),
        },
        importError: null,
      });
    } catch (err) {
      set({ notice: failure(err) });
    }
  },

  closeComparison(): void {
    set({ comparison: null });
  },
};

/** Lines of `b` not in `a` (added) and of `a` not in `b` (removed), as multisets. */
export function lineChanges(a: string, b: string): { added: number; removed: number } {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split('\n')) m.set(line, (m.get(line) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  let added = 0;
  let removed = 0;
  for (const [line, n] of cb) added += Math.max(0, n - (ca.get(line) ?? 0));
  for (const [line, n] of ca) removed += Math.max(0, n - (cb.get(line) ?? 0));
  return { added, removed };
}

/** Stores a result with the scenario text it ran (`scenario_text`), so a comparison can say whether the text changed. */
async function storeResult(id: string, result: ScenarioResult, token?: object, text?: string): Promise<void> {
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
  if (get().doc?.id === id) await scenarioActions.loadResults();
}
