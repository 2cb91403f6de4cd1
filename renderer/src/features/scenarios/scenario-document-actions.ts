/**
 * The scenario open in the editor: opened from the library, new, recorded or imported from a
 * HAR file (asking first when the open one has unsaved changes), edited, saved, deleted.
 */
import type { RecordedSession } from '../../../../scenario/recorded-session.ts';
import { scenarioFromSession } from '../../../../scenario/session-recorder.ts';
import { scenarioTextFormat } from '../../../../scenario/scenario-loader.ts';
import { showView } from '../../ui/view-store.ts';
import { sessionFromHarText } from './har-file.ts';
import { libraryActions } from './scenario-library-actions.ts';
import { resultsActions } from './scenario-results-actions.ts';
import { clearRun, forgetRun, storeResult } from './scenario-run-actions.ts';
import { failure, get, library, messageOf, set, type OpenScenario } from './scenario-state.ts';
import { NEW_SCENARIO_TEXT, scenarioToYaml } from './scenario-text.ts';
import { createConfirmGate, hasUnsavedChanges, unsavedLabel } from './unsaved-changes.ts';

let openings = 0;

/** Asks before the open scenario's unsaved changes are replaced; true: go on. */
const discardGate = createConfirmGate((prompt) => set({ discardPrompt: prompt }));
function confirmDiscard(): Promise<boolean> {
  const doc = get().doc;
  if (!doc || !hasUnsavedChanges(doc)) return Promise.resolve(true);
  return discardGate.ask({ label: unsavedLabel(doc) });
}

export const documentActions = {
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
      await resultsActions.loadResults();
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
    await documentActions.openUnsaved(NEW_SCENARIO_TEXT, 'new');
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
    await documentActions.openUnsaved(yaml, 'har', session);
  },

  /** The answer to "Discard unsaved changes to X?": true discards them, false keeps editing. */
  answerDiscard(proceed: boolean): void {
    discardGate.answer(proceed);
  },

  edit(text: string): void {
    const doc = get().doc;
    if (doc && doc.text !== text) set({ doc: { ...doc, text } });
  },

  /**
   * Writes a saved scenario in place; a new or built-in one is saved as a new scenario (its id
   * from its name). `asId` (Save as, save-as-name.ts): saved under that id, replacing a saved
   * scenario of that id (the user confirmed).
   */
  async save(asNew = false, asId?: string): Promise<void> {
    const doc = get().doc;
    if (!doc) return;
    const format = scenarioTextFormat(doc.text);
    set({ busy: true, notice: null });
    try {
      const inPlace = asId !== undefined ? asId === doc.id && doc.source === 'saved' : !asNew && doc.id !== null && doc.source === 'saved';
      const saved =
        asId !== undefined
          ? await library().update(asId, doc.text, format)
          : inPlace
            ? await library().update(doc.id as string, doc.text, format)
            : await library().create(doc.text, format);
      const current = get().doc;
      set({
        doc: { ...(current ?? doc), id: saved.id, source: saved.source, savedText: doc.text, origin: 'library' },
        notice: { kind: 'ok', text: `Saved as ${saved.id}` },
        importError: null,
      });
      await libraryActions.refreshLibrary();
      if (!inPlace) {
        set({ results: [], picked: [], comparison: null });
        const run = get().run;
        // A run of the unsaved scenario belongs to it now; store its result.
        if (run && run.scenarioId === null && run.result && run.state === 'done') {
          set({ run: { ...run, scenarioId: saved.id } });
          await storeResult(saved.id, run.result);
        }
      }
      await resultsActions.loadResults();
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
      forgetRun(doc.id);
      set({ doc: null, run: null, results: [], picked: [], comparison: null, notice: { kind: 'ok', text: `Deleted ${doc.id}` }, importError: null });
      await libraryActions.refreshLibrary();
    } catch (err) {
      set({ notice: failure(err) });
    } finally {
      set({ busy: false });
    }
  },
};
