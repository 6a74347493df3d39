// The scenarios command: flags → scenarios × layer sets on a real PostgreSQL → matrix, reports,
// replay commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
import { chooseProvider, isShuttingDown, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INPUT_ERROR_CODES } from '../errors/index.ts';
import { parseFormats, writeReports } from '../report/index.ts';
import { runPropertyCli } from '../prop/index.ts';
import { runMatrix, runReplay } from '../run/index.ts';
import { listing, parseCliOptions, USAGE, type CliOptions } from './cli-options.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { progressPrinter } from './progress.ts';
import { renderTrace } from './trace-table.ts';

export interface CliIo {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let options: CliOptions;
  let formats;
  try {
    options = parseCliOptions(argv, env);
    formats = parseFormats(options.formats);
  } catch (e) {
    return reportError(e, io);
  }
  if (options.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    io.out.write(`${listing()}\n`);
    return 0;
  }
  let server: StartedPostgres | undefined;
  try {
    server = await chooseProvider({ db: options.db, databaseUrl: options.databaseUrl }).start();
    if (options.replay) {
      const [scenario] = options.scenarios;
      const [layerSet] = options.layerSets;
      if (!scenario || !layerSet) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one layer set');
      const r = await runReplay(server, scenario, layerSet, options.replay.schedule);
      io.out.write(renderTrace(r));
      return 0;
    }
    if (options.property) {
      return await runPropertyCli(server, options, io);
    }
    io.out.write(
      `Running ${options.scenarios.length} scenarios × ${options.layerSets.length} layer sets, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} workers, on ${server.kind} PostgreSQL\n`,
    );
    const result = await runMatrix({
      scenarios: options.scenarios,
      layerSets: options.layerSets,
      strategy: options.strategy,
      strategyOptions: {
        budget: options.budget,
        seed: options.seed,
        depth: options.depth,
        reduce: options.reduce,
        ...(options.preemptionBound === undefined ? {} : { preemptionBound: options.preemptionBound }),
      },
      workers: options.workers,
      server,
      hangTimeoutMs: options.hangTimeoutMs,
      ...(options.shard ? { shard: options.shard } : {}),
      onProgress: progressPrinter(io.err),
    });
    io.out.write(`\n${renderMatrixTable(result)}\n`);
    const written = await writeReports(result, formats, options.out);
    io.out.write(`\nReports: ${written.join(', ')}\n`);
    io.out.write(`${result.totals.schedules} schedules in ${(result.totals.elapsedMs / 1000).toFixed(1)} s; ${result.totals.disagreements} contradicted expectations\n`);
    return options.ci && result.totals.disagreements > 0 ? 1 : 0;
  } catch (e) {
    return reportError(e, io);
  } finally {
    await server?.stop();
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (isShuttingDown()) {
    io.err.write('interrupted: PostgreSQL stopped and its directory removed\n');
    return 130;
  }
  if (e instanceof HarnessError) {
    io.err.write(`error ${e.code}: ${e.message}\n`);
    return INPUT_ERROR_CODES.has(e.code) ? 2 : 3;
  }
  io.err.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 3;
}
