/**
 * The step list of a scenario run as the console shows it: the scenario's top-level steps as
 * pending rows first, then each step's start and end as the runner reports them (nested
 * repeat/parallel steps appear under their parent; LiveStepRows), and finally the result's
 * full tree.
 */
import type { StepFailure, StepResult, StepStatus } from '../../../../scenario/scenario-result.ts';
import type { Scenario } from '../../../../scenario/scenario-schema.ts';
import { stepLabel } from '../../../../scenario/step-label.ts';
import { stepKindOf, type ScenarioStep } from '../../../../scenario/steps/index.ts';

export type RowStatus = StepStatus | 'pending' | 'running';

export interface StepRow {
  /** `3`, or `4.2.1` inside repeat/parallel. */
  id: string;
  depth: number;
  kind: string;
  title: string;
  status: RowStatus;
  duration_ms?: number;
  detail?: string;
  failure?: StepFailure;
}

/** A step's row before it runs: its kind and its label (the step file's, scenario/steps/). */
export function describeStep(step: ScenarioStep): { kind: string; title: string } {
  return { kind: stepKindOf(step).kind, title: stepLabel(step) };
}

const depthOf = (id: string) => id.split('.').length - 1;

export function planRows(scenario: Scenario): StepRow[] {
  return scenario.steps.map((step, i) => ({ id: String(i + 1), depth: 0, ...describeStep(step), status: 'pending' as const }));
}

function toRow(step: StepResult, status: RowStatus): StepRow {
  return {
    id: step.id,
    depth: depthOf(step.id),
    kind: step.kind,
    title: step.title,
    status,
    ...(status === 'running' || status === 'pending' ? {} : { duration_ms: step.duration_ms }),
    ...(step.detail !== undefined ? { detail: step.detail } : {}),
    ...(step.failure ? { failure: step.failure } : {}),
  };
}

/** A position in the id tree: `4` holds `4.1`, which holds `4.1.2`; a node may have no row (`3.1` of a repeat). */
interface Node {
  row?: StepRow;
  /** Children by their last id segment, and those segments in ascending order. */
  children?: Map<number, Node>;
  order?: number[];
}

/**
 * The rows of a live run, updated in place as the runner reports each step's start and end:
 * a row is found by id (a map) and placed in the id tree, so an event costs the same for
 * the 3rd step as for the 3000th (no filter or sort of the whole list). The tree keeps rows
 * in id order (`4.2.1` after `4.1.9` even when parallel branches report interleaved), and
 * `rows()` flattens it once per change, reusing the row objects that did not change.
 */
export class LiveStepRows {
  private readonly root: Node = {};
  private readonly byId = new Map<string, Node>();
  private flat: StepRow[] | null = null;

  constructor(rows: readonly StepRow[] = []) {
    for (const row of rows) this.put(row);
  }

  /** How many rows there are. */
  get size(): number {
    return this.byId.size;
  }

  started(step: StepResult): void {
    this.put(toRow(step, 'running'));
  }

  ended(step: StepResult): void {
    this.put(toRow(step, step.status));
  }

  /** The rows in id order (the same array until the next change). */
  rows(): StepRow[] {
    if (!this.flat) {
      const out: StepRow[] = [];
      const visit = (node: Node) => {
        if (node.row) out.push(node.row);
        if (node.order) for (const key of node.order) visit(node.children!.get(key)!);
      };
      visit(this.root);
      this.flat = out;
    }
    return this.flat;
  }

  private put(row: StepRow): void {
    this.flat = null;
    const known = this.byId.get(row.id);
    if (known) {
      known.row = row;
      return;
    }
    let node = this.root;
    for (const part of row.id.split('.')) node = childOf(node, Number(part));
    node.row = row;
    this.byId.set(row.id, node);
  }
}

function childOf(node: Node, key: number): Node {
  const children = (node.children ??= new Map());
  let child = children.get(key);
  if (child) return child;
  child = {};
  children.set(key, child);
  const order = (node.order ??= []);
  // Steps are reported in order, so a new key almost always goes last; parallel branches may
  // interleave, and then it is placed by binary search.
  if (order.length === 0 || order[order.length - 1]! < key) order.push(key);
  else {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, key);
  }
  return child;
}

/** Every step of a result, depth first. */
export function rowsFromResult(steps: readonly StepResult[]): StepRow[] {
  const out: StepRow[] = [];
  const visit = (list: readonly StepResult[]) => {
    for (const s of list) {
      out.push(toRow(s, s.status));
      if (s.children) visit(s.children);
    }
  };
  visit(steps);
  return out;
}

/** Steps still pending or running when a run ended without a result (it threw): skipped. */
export function settleRows(rows: readonly StepRow[]): StepRow[] {
  return rows.map((r) => (r.status === 'pending' || r.status === 'running' ? { ...r, status: 'skipped' as const } : r));
}
