// Several RunResults of one matrix (shards run by worker processes or on other machines) → one.
import { HarnessError } from '../errors/index.ts';
import { withOddsAgainstBaseline } from './odds.ts';
import { RESULT_SCHEMA_VERSION, type CellResult, type RunResult } from './result-model.ts';

/** `sources`: where each part came from (its file), for the messages. */
export function mergeRunResults(parts: readonly RunResult[], sources: readonly string[] = []): RunResult {
  const [first] = parts;
  if (!first) throw new HarnessError('E_BAD_ARGUMENT', 'nothing to merge: give at least one results.json');
  parts.forEach((p, i) => {
    const version = (p as { schemaVersion?: unknown }).schemaVersion;
    if (version === RESULT_SCHEMA_VERSION) return;
    const what = sources[i] ?? `results #${i + 1}`;
    throw new HarnessError(
      'E_BAD_ARGUMENT',
      `cannot merge ${what}: it holds results of schema version ${version === undefined ? '(none given)' : String(version)}, and this harness reads version ${RESULT_SCHEMA_VERSION}; run that shard again with this version`,
    );
  });
  const scenarios = unique(parts.flatMap((p) => p.scenarios), (s) => s.name);
  const variants = unique(parts.flatMap((p) => p.variants), (l) => l.id);
  const order = (name: string, list: readonly { name?: string; id?: string }[]) => list.findIndex((x) => (x.name ?? x.id) === name);
  const seen = new Set<string>();
  const cells = withOddsAgainstBaseline(parts.flatMap((p) => p.cells.map(withoutComparison)))
    .filter((c) => {
      const key = `${c.scenario}@${c.variant}`;
      if (seen.has(key)) throw new HarnessError('E_BAD_ARGUMENT', `cell ${key} appears in two of the merged results; merge disjoint shards`);
      seen.add(key);
      return true;
    })
    .sort((a, b) => order(a.scenario, scenarios) - order(b.scenario, scenarios) || order(a.variant, variants) - order(b.variant, variants));
  const startedAt = parts.map((p) => p.startedAt).sort()[0] ?? first.startedAt;
  const finishedAt = parts.map((p) => p.finishedAt).sort().at(-1) ?? first.finishedAt;
  const { shard: _shard, ...options } = first.options;
  const failure = parts.find((p) => p.failure)?.failure;
  const timing = parts.find((p) => p.options.timing)?.options.timing;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    title: first.title,
    startedAt,
    finishedAt,
    // A shard whose cells got no odds has no timing line; another shard's applies to the whole.
    options: { ...options, ...(timing ? { timing } : {}), workers: parts.reduce((n, p) => n + p.options.workers, 0) },
    words: Object.assign({}, ...parts.map((p) => p.words)) as RunResult['words'],
    scenarios,
    variants,
    cells,
    totals: {
      cells: cells.length,
      schedules: cells.reduce((n, c) => n + c.schedules, 0),
      disagreements: cells.filter((c) => !c.agrees).length,
      elapsedMs: Date.parse(finishedAt) - Date.parse(startedAt),
    },
    ...(failure ? { failure } : {}),
  };
}

function unique<T>(items: readonly T[], key: (t: T) => string): T[] {
  const out = new Map<string, T>();
  for (const i of items) if (!out.has(key(i))) out.set(key(i), i);
  return [...out.values()];
}

/** A shard compared only with the baseline it held; the merged run compares with the whole one. */
function withoutComparison(c: CellResult): CellResult {
  if (!c.odds || c.odds.vsBaseline === undefined) return c;
  const { vsBaseline: _dropped, ...odds } = c.odds;
  return { ...c, odds };
}
