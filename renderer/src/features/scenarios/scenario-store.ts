/**
 * The Scenarios view's store and all its actions in one object (what the panels use): the
 * state is scenario-state.ts, the actions are split by concern.
 */
import { batchActions } from './scenario-batch-actions.ts';
import { documentActions } from './scenario-document-actions.ts';
import { libraryActions } from './scenario-library-actions.ts';
import { resultsActions } from './scenario-results-actions.ts';
import { runActions } from './scenario-run-actions.ts';

export { scenarioStore, type Notice, type OpenScenario, type BatchEntry, type BatchRun, type ScenarioComparison, type ScenarioRunView, type ScenarioState } from './scenario-state.ts';
export { lineChanges } from './scenario-results-actions.ts';

export const scenarioActions = { ...libraryActions, ...documentActions, ...runActions, ...resultsActions, ...batchActions };
