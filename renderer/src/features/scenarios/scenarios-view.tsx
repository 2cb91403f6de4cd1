/** The Scenarios view: library and results, the editor, and the run (or a comparison of two results). */
import './scenarios.css';
import { RunComparisonPanel } from './run-comparison-panel.tsx';
import { ScenarioBatchPanel } from './scenario-batch-panel.tsx';
import { ScenarioEditorPanel } from './scenario-editor-panel.tsx';
import { ScenarioLibraryPanel } from './scenario-library-panel.tsx';
import { ScenarioResultsPanel } from './scenario-results-panel.tsx';
import { ScenarioRunPanel } from './scenario-run-panel.tsx';
import { scenarioStore } from './scenario-store.ts';

export function ScenariosView() {
  const { comparison } = scenarioStore.use();
  return (
    <main className="grid scenarios-grid" data-testid="scenarios-view">
      <div className="col left">
        <ScenarioLibraryPanel />
        <ScenarioResultsPanel />
      </div>
      {comparison ? (
        // a comparison takes the editor's room too: two sides of events stay readable at 1440 px
        <div className="col wide">
          <RunComparisonPanel />
        </div>
      ) : (
        <>
          <div className="col mid">
            <ScenarioEditorPanel />
          </div>
          <div className="col right">
            <ScenarioBatchPanel />
            <ScenarioRunPanel />
          </div>
        </>
      )}
    </main>
  );
}
