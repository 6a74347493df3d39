// What a PostgreSQL isolation spec file says, as data: setup and teardown blocks, sessions with
// named steps, and permutation lines whose steps may carry blocker annotations.

/** `*` (report as waiting at once), `<step>` (wait for that step), `<step> notices <n>`. */
export type PermutationBlocker =
  | { readonly kind: 'once' }
  | { readonly kind: 'step'; readonly step: string }
  | { readonly kind: 'notices'; readonly step: string; readonly count: number };

export interface PermutationStep {
  readonly step: string;
  readonly blockers: readonly PermutationBlocker[];
}

export interface Permutation {
  readonly steps: readonly PermutationStep[];
  /** 1-based line of the `permutation` keyword (0 for generated permutations). */
  readonly line: number;
}

export interface SpecStep {
  readonly name: string;
  /** The SQL between the braces, as the isolation tester keeps it (leading/trailing blanks trimmed). */
  readonly sql: string;
  /** Index of the session the step belongs to. */
  readonly session: number;
  readonly line: number;
}

export interface SpecSession {
  readonly name: string;
  readonly setup: string | null;
  readonly teardown: string | null;
  readonly steps: readonly SpecStep[];
  readonly line: number;
}

export interface IsolationSpec {
  /** Where it was read from, for messages (a path, or e.g. `<export>`). */
  readonly source: string;
  /** The comment lines (`# ...`) before the first keyword, without their `#`. */
  readonly headerComment: readonly string[];
  /** Setup blocks, each sent as one query on the control session, in order. */
  readonly setup: readonly string[];
  readonly teardown: string | null;
  readonly sessions: readonly SpecSession[];
  /** Listed permutations; empty means "every interleaving of the sessions' steps". */
  readonly permutations: readonly Permutation[];
  /** Non-fatal findings (the isolation tester's "unused step name"). */
  readonly warnings: readonly string[];
}

/** Looks a step up by name. */
export function findStep(spec: IsolationSpec, name: string): SpecStep | undefined {
  for (const s of spec.sessions) for (const st of s.steps) if (st.name === name) return st;
  return undefined;
}
