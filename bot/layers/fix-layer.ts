// A fix layer is data: which plan option it is, what it claims, which BotPolicy fields and
// which schema it changes. The bot reads the composed policy; the database gets the migrations.
import type { BotPolicy } from '../flow/index.ts';

/** Schema changes a layer makes; each maps to migration files (see layer-migrations.ts). */
export interface SchemaChange {
  /** What `idx_unique_active_position` covers: Option 2's open statuses or Option 1's everything. */
  readonly uniqueIndex?: 'open-statuses' | 'full';
  /** Option 6's `version` column. */
  readonly versionColumn?: true;
}

export interface FixLayer {
  readonly id: string;
  /** Where the plan proposes it: "Option 3 / Layer 1", "Problem #5", ... */
  readonly seedOption: string;
  readonly title: string;
  /** The plan's problems it addresses (#1..#6). */
  readonly addresses: readonly number[];
  /** BotPolicy fields it sets. */
  readonly policy: Partial<BotPolicy>;
  readonly schema: SchemaChange;
  /** The plan's guessed "Effectiveness" for this option, if it gives one (percent). */
  readonly claimedEffectiveness: number | null;
  /** Why the default matrix leaves this layer out (it runs with `--layers`); absent: it is in. */
  readonly notInDefaultMatrix?: string;
  /** A layer beyond the plan: the race it closes and the counterexample that showed it. */
  readonly motivation?: LayerMotivation;
}

export interface LayerMotivation {
  /** What goes wrong without it, in one sentence. */
  readonly race: string;
  /** `<scenario>@<layers>:<schedule>` of the counterexample that motivated it (`--replay` it). */
  readonly replay: string;
}
