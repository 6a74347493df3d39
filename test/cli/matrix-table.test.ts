// The terminal matrix keeps its columns apart whatever the width of the figures, and an ablation
// prints as a table of its own.
import { describe, expect, it } from 'vitest';
import { alignColumns, renderAblationTable, renderMatrixTable } from '../../harness/cli/matrix-table.ts';
import type { CellResult, RunResult } from '../../harness/run/index.ts';
import { sampleAblation, sampleResult } from '../report/sample-result.ts';

const wide = (scenario: string, variant: string, violating: number, schedules: number): CellResult => ({
  ...(sampleResult.cells[0] as CellResult),
  scenario,
  variant,
  violating,
  schedules,
  odds: { runs: 100, violating: 37, counted: 1, p: 0.37, low: 0.28, high: 0.47, seed: 1 },
});

describe('renderMatrixTable', () => {
  it('separates wide neighbouring figures by at least two spaces and aligns every column', () => {
    const result: RunResult = {
      ...sampleResult,
      scenarios: [
        { name: 'a', title: 'a', description: '', plugin: 'bot' },
        { name: 'b', title: 'b', description: '', plugin: 'bot' },
      ],
      variants: [{ id: 'locked-update', plugin: 'bot', origin: '', title: '', claimed: null }],
      cells: [wide('a', 'locked-update', 1987, 2007), wide('b', 'locked-update', 54, 56)],
    };
    const lines = renderMatrixTable(result).split('\n');
    const header = lines.find((l) => l.startsWith('layer set')) ?? '';
    const row = lines.find((l) => l.startsWith('locked-update')) ?? '';
    expect(row).toContain('VIOL 1987/2007 p=37%  VIOL 54/56 p=37%');
    expect(row).not.toMatch(/\d[A-Z]/);
    expect(header.indexOf('S2')).toBe(row.indexOf('VIOL 54/56'));
  });

  it('alignColumns pads each column to its widest entry plus a gap', () => {
    expect(alignColumns([['x', 'yy', 'z'], ['xxxx', 'y', 'zz']])).toEqual(['x     yy  z', 'xxxx  y   zz']);
  });
});

describe('renderAblationTable', () => {
  it('lists each layer left out, whether it is needed, where the set breaks and the replay command', () => {
    const text = renderAblationTable(sampleAblation, sampleResult);
    expect(text).toMatch(/^layer left out {2,}set that ran/m);
    expect(text).toContain('Ablation of proposed (check-open-statuses + single-transaction): the full set holds on 2 of 2 scenarios.');
    expect(text).toMatch(/check-open-statuses {2,}single-transaction {2,}yes {2,}plan-test-2 3211\/3876/);
    expect(text).toMatch(/single-transaction {2,}check-open-statuses {2,}NO {2,}-/);
    expect(text).toContain(`without check-open-statuses: ${sampleAblation.rows[0]?.breaks[0]?.command}`);
  });
});
