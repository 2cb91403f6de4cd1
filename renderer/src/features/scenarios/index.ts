/**
 * Scenarios: the library, the editor, runs of a scenario against the target (live steps,
 * lanes, received envelopes), stored results and their comparison, HAR import and export.
 */
export { ScenariosView } from './lazy-scenarios-view.ts';
export { UnsavedChangesGuard } from './unsaved-changes-guard.tsx';
export { scenarioActions, scenarioStore, type OpenScenario, type ScenarioState } from './scenario-store.ts';
export { scenarioToYaml } from './scenario-text.ts';
