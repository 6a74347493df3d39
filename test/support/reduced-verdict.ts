// The cell a reduced exhaustive search gives one scenario on the tests' server: what the probe
// regression files hold to `violated`.
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import type { Scenario } from '../../harness/scenario/index.ts';

/** Starts the file's server; returns the search of one scenario with reduction on (budget 200). */
export function useReducedVerdict(): (scenario: Scenario) => Promise<CellResult> {
  let server: StartedPostgres;
  beforeAll(async () => {
    server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  });
  afterAll(async () => {
    await server.stop();
  });
  return async (scenario) => {
    const result = await runMatrix({ scenarios: [scenario], strategy: 'exhaustive', strategyOptions: { budget: 200, seed: 1, depth: 2, reduce: true }, workers: 1, server });
    const cell = result.cells[0] as CellResult;
    expect(cell.error, cell.error).toBeUndefined();
    return cell;
  };
}
