// The counter race the gate and fault tests share: two actors each add 1 to one row; a lost
// update leaves it at 1. Each test brings its actors (programs, SQL lists, functions).
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';

export const COUNTER_SCHEMA = 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)';

/** The counter scenario with `actors`; its check fails when an increment was lost (`checks` replaces it). */
export function counterScenario(name: string, actors: Scenario['actors'], expect?: 'holds' | 'violates', checks?: Scenario['checks']): Scenario {
  return defineScenario({
    name,
    schema: COUNTER_SCHEMA,
    setup: async ({ sql }) => {
      await sql('INSERT INTO counter VALUES (1, 0)');
    },
    actors,
    ...(checks
      ? { checks }
      : { check: async ({ sql }) => ((await sql<{ n: number }>('SELECT n FROM counter')).rows[0]?.n === 2 ? undefined : 'an increment was lost') }),
    ...(expect ? { expect } : {}),
  });
}
