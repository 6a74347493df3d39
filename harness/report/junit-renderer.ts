// The JUnit XML report for CI test tabs: one <testsuite> per scenario, one <testcase> per variant;
// a cell that contradicts its expectation is a <failure>, a cell that could not run an <error>.
import type { CellResult, RunResult } from '../run/index.ts';
import {
  brokenInvariants,
  cellName,
  claimText,
  countText,
  coverageText,
  oddsComplementText,
  oddsText,
  oddsUnitText,
  outcomesText,
  pctBoundText,
  pctParamsText,
  shareText,
  verdictText,
} from './cell-wording.ts';
import { escapeAttr, escapeText } from './markup-escape.ts';
import { resultGrid, type ResultGrid } from './result-grid.ts';

/** Renders the run as JUnit XML (the Jenkins / Surefire dialect CI servers read). */
export function renderJunit(result: RunResult): string {
  const grid = resultGrid(result);
  const suites = grid.scenarios.map((s) => ({ name: s.name, cells: grid.row(s.name) })).filter((s) => s.cells.length > 0);
  const all = suites.flatMap((s) => s.cells);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites ${attrs({
      name: result.title,
      tests: all.length,
      failures: all.filter(isFailure).length,
      errors: all.filter(isError).length,
      skipped: 0,
      time: seconds(result.totals.elapsedMs),
    })}>`,
  );
  for (const suite of suites) {
    out.push(
      `  <testsuite ${attrs({
        name: suite.name,
        tests: suite.cells.length,
        failures: suite.cells.filter(isFailure).length,
        errors: suite.cells.filter(isError).length,
        skipped: 0,
        time: seconds(suite.cells.reduce((sum, c) => sum + c.elapsedMs, 0)),
      })}>`,
    );
    for (const cell of suite.cells) out.push(...testcase(cell, grid));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function testcase(cell: CellResult, grid: ResultGrid): string[] {
  const out = [`    <testcase ${attrs({ name: cellName(cell), classname: `scenarios.${cell.scenario}`, time: seconds(cell.elapsedMs) })}>`];
  if (isError(cell)) {
    out.push(`      <error ${attrs({ message: cell.error ?? '', type: 'CellError' })}>${escapeText(errorBody(cell))}</error>`);
  } else if (isFailure(cell)) {
    out.push(`      <failure ${attrs({ message: failureMessage(cell), type: 'ExpectationMismatch' })}>${escapeText(failureBody(cell))}</failure>`);
  }
  out.push(`      <system-out>${escapeText(systemOut(cell, grid))}</system-out>`);
  out.push('    </testcase>');
  return out;
}

function isError(cell: CellResult): boolean {
  return cell.error !== undefined;
}

function isFailure(cell: CellResult): boolean {
  return !isError(cell) && !cell.agrees;
}

function failureMessage(cell: CellResult): string {
  const head = `expected ${cell.expectation}, verdict ${verdictText(cell.verdict)}`;
  if (cell.verdict === 'inconclusive') return `${head}: ${cell.verdictReason}`;
  if (cell.measured === 'holds') return `${head}: no violation in ${coverageText(cell)}`;
  return `${head}: ${brokenInvariants(cell).join(', ')} (${countText(cell.violating)} of ${countText(cell.schedules)} schedules)`;
}

function failureBody(cell: CellResult): string {
  const lines = [`${cellName(cell)}: expected ${cell.expectation}, verdict ${verdictText(cell.verdict)} (${cell.verdictReason})`, `schedules: ${coverageText(cell)}; violating: ${countText(cell.violating)}`];
  const broken = Object.entries(cell.violationsByInvariant);
  if (broken.length > 0) lines.push(`violated invariants: ${broken.map(([id, n]) => `${id} (${countText(n)})`).join(', ')}`);
  const ce = cell.counterexample;
  if (ce) {
    lines.push('', 'replay:', `  ${ce.command}`, '', `counterexample (run ${countText(ce.foundAtRun + 1)}, outcome ${ce.outcome}, schedule ${ce.schedule}):`);
    for (const v of ce.violations) lines.push(`  - [${v.invariant}] ${v.message}`);
  }
  return lines.join('\n');
}

function errorBody(cell: CellResult): string {
  return `${cellName(cell)} could not run (expected ${cell.expectation}):\n${cell.error ?? ''}`;
}

function systemOut(cell: CellResult, grid: ResultGrid): string {
  const stats = cell.coverage.stats;
  const words = grid.scenarioWords(cell.scenario);
  const variant = grid.variant(cell.variant);
  // The figure the variant claims, where its plugin's variants claim one.
  const claim = variant ? claimText(grid.variantWords(variant), variant.claimed) : '';
  const claimed = claim ? ` (${claim})` : '';
  const lines = [
    `expectation: ${cell.expectation}; verdict: ${verdictText(cell.verdict)} (${cell.verdictReason})`,
    `schedules: ${coverageText(cell)}; violating: ${countText(cell.violating)}`,
    ...(cell.odds ? [`production odds: ${oddsText(cell.odds)} ${oddsUnitText(cell.odds, words)}; ${oddsComplementText(cell.odds, words)}${claimed}`] : []),
    `clean interleavings (share of explored schedules without a violation, not a probability): ${shareText(cell.cleanShare)}${claimed}`,
    `coverage: ${cell.coverage.kind}${cell.coverage.complete ? ', complete' : ''}; strategy ${stats.strategy}, ${countText(stats.runs)} runs` +
      (stats.pruned !== undefined ? `, ${countText(stats.pruned)} pruned` : '') +
      (stats.abandoned !== undefined ? `, ${countText(stats.abandoned)} abandoned` : '') +
      (stats.seed !== undefined ? `, seed ${stats.seed}` : ''),
    `outcomes: ${outcomesText(cell)}`,
  ];
  if (stats.pctBound) lines.push(`pct bound: ${pctBoundText(stats.pctBound)} per run (${pctParamsText(stats.pctBound)}; 1/(n·k^(d−1)))`);
  if (cell.counterexample) lines.push(`replay: ${cell.counterexample.command}`);
  return lines.join('\n');
}

/** JUnit times are seconds with a decimal point. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${escapeAttr(String(v))}"`)
    .join(' ');
}
