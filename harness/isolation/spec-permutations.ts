// The permutations a spec runs: its listed ones, or — when it lists none — every interleaving of
// its sessions' steps (each session's steps in order), in the isolation tester's order.
import type { IsolationSpec, Permutation, PermutationStep } from './spec-model.ts';

/** The permutations to run, in order; generated lazily (there may be very many). */
export function* specPermutations(spec: IsolationSpec): Generator<Permutation> {
  if (spec.permutations.length > 0) {
    yield* spec.permutations;
    return;
  }
  const piles = spec.sessions.map(() => 0);
  const picked: PermutationStep[] = [];
  function* recurse(): Generator<Permutation> {
    let found = false;
    for (let i = 0; i < spec.sessions.length; i++) {
      const session = spec.sessions[i];
      const next = session?.steps[piles[i] as number];
      if (!next) continue;
      found = true;
      picked.push({ step: next.name, blockers: [] });
      piles[i] = (piles[i] as number) + 1;
      yield* recurse();
      piles[i] = (piles[i] as number) - 1;
      picked.pop();
    }
    if (!found) yield { steps: [...picked], line: 0 };
  }
  yield* recurse();
}

/** How many permutations `specPermutations` yields: the listed count, or the multinomial coefficient. */
export function permutationCount(spec: IsolationSpec): number {
  if (spec.permutations.length > 0) return spec.permutations.length;
  let total = 0;
  let count = 1;
  for (const s of spec.sessions) {
    // count × C(total + k, k), built one factor at a time to stay exact for moderate sizes.
    for (let k = 1; k <= s.steps.length; k++) count = (count * (total + k)) / k;
    total += s.steps.length;
  }
  return Math.round(count);
}
