// How each actor of a run ended, as checks see it: an error the actor declared allowed (e.g.
// 40001 for a transaction the application retries) is `aborted`, not a failure.
import type { ActorEnding } from '../check/index.ts';
import { matchesSqlState, type ActorOutcome, type ActorSpec } from '../sched/index.ts';

export function actorEndings(specs: readonly ActorSpec[], outcomes: readonly ActorOutcome[]): ActorEnding[] {
  return outcomes.map((o, i) => {
    const spec = specs[i];
    const name = spec?.name ?? `actor-${i}`;
    if (o.status === 'ok') return { name, status: 'ok', value: o.value };
    const partial = o.partial === undefined ? {} : { partial: o.partial };
    if (o.status === 'unfinished') return { name, status: 'unfinished', state: o.state, ...partial };
    const allowed = o.sqlState !== null && (spec?.allowedErrors ?? []).some((p) => matchesSqlState(o.sqlState, p));
    if (allowed && o.sqlState !== null) return { name, status: 'aborted', sqlState: o.sqlState, message: o.message, ...partial };
    return { name, status: 'error', sqlState: o.sqlState, code: o.code, message: o.message, ...partial };
  });
}

/** One line per actor, e.g. `a: ok; b: aborted 40001`: part of what makes two outcomes differ. */
export function endingsSummary(endings: readonly ActorEnding[]): string {
  return endings
    .map((e) => {
      if (e.status === 'ok') return `${e.name}: ok`;
      if (e.status === 'unfinished') return `${e.name}: unfinished`;
      if (e.status === 'aborted') return `${e.name}: aborted ${e.sqlState}`;
      return `${e.name}: error ${e.sqlState ?? e.code ?? ''}`.trimEnd();
    })
    .join('; ');
}
