// Exploring a spec beyond its permutations: every interleaving of its sessions' steps (or a PCT
// or random sample of them) run as the isolation tester would run that permutation, grouped by
// observable outcome (what every query returned, order aside), each outcome with the first
// permutation line that reaches it and whether a listed permutation reaches it too.
import type { Strategy, StrategyStats } from '../sched/index.ts';
import type { IsolationSpec, PermutationStep } from './spec-model.ts';
import type { PermutationRun, SpecRunner } from './spec-runner.ts';

export interface ExploredOutcome {
  readonly signature: string;
  /** Interleavings that ended this way. */
  readonly runs: number;
  /** The first run that reached it: its permutation line and transcript. */
  readonly first: PermutationRun;
  /** A listed permutation of the spec reaches it as well. */
  readonly listed: boolean;
  /** Interleavings whose steps blocked for good (the tester could not complete them). */
  readonly stuck: boolean;
}

export interface SpecExploration {
  readonly spec: IsolationSpec;
  readonly runs: number;
  readonly stats: StrategyStats;
  readonly outcomes: readonly ExploredOutcome[];
  /**
   * What the run-time cross-check saw PostgreSQL touch beyond the footprints, in words: with
   * reduction, the search is then not complete (a session-state miss voids it either way).
   */
  readonly misses: readonly string[];
}

/**
 * Runs `inner`'s interleavings (until it has none left or `budget` runs) and groups them by
 * outcome; `listed` are the runs of the spec's own permutations, to tell new outcomes apart.
 */
export async function exploreSpec(session: SpecRunner, inner: Strategy, listed: readonly PermutationRun[], budget: number): Promise<SpecExploration> {
  const listedSignatures = new Set(listed.map((r) => r.signature));
  const byOutcome = new Map<string, { runs: number; first: PermutationRun }>();
  let runs = 0;
  const misses = new Set<string>();
  while (runs < budget) {
    const r = await session.explore(inner);
    if (r === 'done') break;
    if (r === 'abandoned') continue;
    runs++;
    for (const m of r.footprintMisses ?? []) misses.add(`${m.kind === 'session' ? 'a session began a run with' : m.kind === 'timing' ? 'a session' : `PostgreSQL shows that ${m.statement}`} ${m.touched}`);
    const seen = byOutcome.get(r.signature);
    if (seen) seen.runs++;
    else byOutcome.set(r.signature, { runs: 1, first: r });
  }
  const outcomes = [...byOutcome.entries()].map(([signature, o]) => ({ signature, runs: o.runs, first: o.first, listed: listedSignatures.has(signature), stuck: o.first.end === 'stuck' }));
  return { spec: session.spec, runs, stats: inner.stats(), outcomes, misses: [...misses] };
}

/** The permutation line of a run; a run that got stuck lists the steps it never launched after. */
export function runPermutationSteps(spec: IsolationSpec, run: PermutationRun): PermutationStep[] {
  const launched = new Set(run.steps.map((s) => s.step));
  const rest = spec.sessions.flatMap((s) => s.steps.filter((st) => !launched.has(st.name)).map((st) => ({ step: st.name, blockers: [] })));
  return [...run.steps, ...rest];
}
