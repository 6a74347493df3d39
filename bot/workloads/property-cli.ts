// `--property`, the bot plugin's command: property runs per layer set, with progress and replay commands.
import type { StartedPostgres } from '../../harness/db/index.ts';
import { runProperty } from './property-run.ts';

/**
 * What `--ci` expects of the property per layer set: `proposed` holds on every workload and all six
 * invariants; the baseline and the plan's recommended set fail (with a shrunk counterexample).
 */
export const PROPERTY_EXPECTATIONS: Readonly<Record<string, 'holds' | 'violates'>> = { proposed: 'holds', baseline: 'violates', recommended: 'violates' };

export interface PropertyCliOptions {
  readonly layerSets: readonly import('../layers/index.ts').LayerSet[];
  readonly runs: number;
  readonly seed: number;
  readonly ci: boolean;
  readonly exchange: import('../exchange/index.ts').ExchangeTransport | undefined;
}

export async function runPropertyCli(server: StartedPostgres, options: PropertyCliOptions, io: { readonly out: { write(text: string): unknown }; readonly err: { write(text: string): unknown } }): Promise<number> {
  let contradicted = 0;
  for (const layerSet of options.layerSets) {
    io.err.write(`property: ${layerSet.id}, ${options.runs} runs, seed ${options.seed}\n`);
    const r = await runProperty({
      server,
      layerSet,
      runs: options.runs,
      seed: options.seed,
      ...(options.exchange ? { exchange: options.exchange } : {}),
      onRun: (n) => {
        if (n % 50 === 0) io.err.write(`  ${layerSet.id}: ${n} runs\n`);
      },
    });
    if (r.passed) {
      io.out.write(`${layerSet.id}: property holds over ${r.runs} runs (seed ${r.seed})\n`);
    } else {
      const cx = r.counterexample;
      io.out.write(`${layerSet.id}: property FAILS after ${r.runs} runs, shrunk ${r.shrinks} times to ${cx?.flows ?? '?'} flows\n`);
      for (const v of cx?.violations ?? []) io.out.write(`  [${v.invariant}] ${v.message}\n`);
      if (cx) io.out.write(`  replay: ${cx.command}\n`);
      if (r.error) io.out.write(`  the property threw: ${r.error}\n`);
    }
    const expected = PROPERTY_EXPECTATIONS[layerSet.id];
    if (expected !== undefined && (expected === 'holds') !== r.passed) {
      contradicted++;
      io.out.write(`  expected the property to ${expected === 'holds' ? 'hold' : 'fail'} for ${layerSet.id}\n`);
    }
  }
  return options.ci && contradicted > 0 ? 1 : 0;
}
