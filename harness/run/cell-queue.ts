// The cells of a run as one shared queue, longest expected first, so that N workers taking from
// it finish together (fixed shards leave one worker idle while another runs the long cells). A
// cell whose worker died goes back in front, once; a second death ends it as not run.
import type { LayerSet } from '../fixes/index.ts';
import type { Scenario } from '../../scenarios/index.ts';

export interface QueuedCell {
  /** Position in the matrix (scenario-major), the order of the report. */
  readonly index: number;
  readonly scenario: Scenario;
  readonly layerSet: LayerSet;
  /** Expected cost, in milliseconds or relative units (only the order matters). */
  readonly cost: number;
  /** Workers that died running it. */
  deaths: number;
}

/** `scenario@layers` → elapsed ms of an earlier run (e.g. the previous results.json). */
export type CellHistory = ReadonlyMap<string, number>;

export function cellKey(scenario: string, layers: string): string {
  return `${scenario}@${layers}`;
}

/** Above any measured time: a cell never timed goes before every timed one. */
const UNTIMED = 1e12;

/**
 * How long a cell is expected to take: its time in an earlier run when known. A cell never timed
 * goes first (started last, a long one would keep every other worker waiting), the ones with more
 * actors (more interleavings) before the others.
 */
export function expectedCost(scenario: Scenario, layerSet: LayerSet, history: CellHistory | undefined): number {
  const known = history?.get(cellKey(scenario.name, layerSet.id));
  if (known !== undefined) return known;
  try {
    return UNTIMED + scenario.actors({ policy: layerSet.policy, layerSet }).length;
  } catch {
    // A scenario that cannot build its actors fails in its cell, where the report shows it.
    return UNTIMED;
  }
}

export class CellQueue {
  private readonly waiting: QueuedCell[];

  constructor(cells: readonly Omit<QueuedCell, 'deaths'>[]) {
    this.waiting = cells.map((c) => ({ ...c, deaths: 0 })).sort((a, b) => b.cost - a.cost || a.index - b.index);
  }

  /** The next cell to run, or undefined when none is left. */
  take(): QueuedCell | undefined {
    return this.waiting.shift();
  }

  /** A cell whose worker died: run next by another worker. */
  putBack(cell: QueuedCell): void {
    this.waiting.unshift(cell);
  }

  /** Empties the queue (the run is stopping); returns what was still waiting. */
  drain(): QueuedCell[] {
    return this.waiting.splice(0);
  }

  get size(): number {
    return this.waiting.length;
  }
}
