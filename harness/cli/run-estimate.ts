// How long a run will take: each cell's time in the last results.json in --out (the history the
// queue orders cells by), else the mean of the cells finished so far, over the lanes that run them.
import { cellKey, type CellHistory } from '../run/index.ts';

export class RunEstimate {
  private readonly finished = new Map<string, number>();

  constructor(
    private readonly cells: readonly string[],
    private readonly history: CellHistory | undefined,
    private readonly lanes: number,
  ) {}

  /** Before the run: known when the history has at least half of the cells. */
  initialMs(): number | undefined {
    const known = this.cells.map((k) => this.history?.get(k)).filter((t): t is number => t !== undefined);
    if (known.length === 0 || known.length * 2 < this.cells.length) return undefined;
    const mean = known.reduce((a, b) => a + b, 0) / known.length;
    return this.spread(this.cells.reduce((n, k) => n + (this.history?.get(k) ?? mean), 0));
  }

  /** A cell finished after `elapsedMs` of its own. */
  done(scenario: string, variant: string, elapsedMs: number): void {
    this.finished.set(cellKey(scenario, variant), elapsedMs);
  }

  /** What is left, by history and by the cells finished so far; undefined before anything is known. */
  remainingMs(): number | undefined {
    const left = this.cells.filter((k) => !this.finished.has(k));
    if (left.length === 0) return 0;
    const times = [...this.finished.values()];
    const mean = times.length > 0 ? times.reduce((a, b) => a + b, 0) / times.length : undefined;
    let total = 0;
    for (const k of left) {
      const t = this.history?.get(k) ?? mean;
      if (t === undefined) return undefined;
      total += t;
    }
    return this.spread(total);
  }

  private spread(totalMs: number): number {
    return totalMs / Math.max(1, Math.min(this.lanes, this.cells.length));
  }
}

/** `about 40 s`, `about 3 min`. */
export function durationText(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 90 ? `about ${s} s` : `about ${Math.round(s / 60)} min`;
}
