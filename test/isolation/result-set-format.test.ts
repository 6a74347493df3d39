// PQprint's layout as the isolation tester uses it.
import { describe, expect, it } from 'vitest';
import { formatResultSet, renderTranscript } from '../../harness/isolation/index.ts';

describe('formatResultSet', () => {
  it('right-aligns numeric columns (header included), left-aligns the rest, pads by bytes', () => {
    const text = formatResultSet({
      fields: ['id', 'name', 'price'],
      rows: [
        ['1', 'ab', '5.00'],
        ['10', 'ünï', '-1e3'],
        ['7', null, ''],
      ],
    });
    // 'ünï' is five bytes wide, as libpq counts it.
    expect(text).toBe(['id|name |price', '--+-----+-----', ' 1|ab   | 5.00', '10|ünï| -1e3', ' 7|     |     ', '(3 rows)', '', ''].join('\n'));
  });

  it('treats values ending in a non-digit or starting with e as text', () => {
    expect(formatResultSet({ fields: ['v'], rows: [['1.'], ['2']] })).toBe('v \n--\n1.\n2 \n(2 rows)\n\n');
    expect(formatResultSet({ fields: ['v'], rows: [['e1']] })).toBe('v \n--\ne1\n(1 row)\n\n');
  });

  it('prints the header of an empty result, and nothing for a result without columns', () => {
    expect(formatResultSet({ fields: ['a', 'bb'], rows: [] })).toBe('a|bb\n-+--\n(0 rows)\n\n');
    expect(formatResultSet({ fields: [], rows: [[]] })).toBe('');
  });
});

describe('renderTranscript', () => {
  it('prints every kind of entry as the isolation tester does', () => {
    const text = renderTranscript([
      { kind: 'parsed', sessions: 2 },
      { kind: 'permutation', steps: ['a', 'b'] },
      { kind: 'step', step: 'a', sql: 'LOCK t;', waiting: true },
      { kind: 'notice', session: 's2', severity: 'NOTICE', message: 'hello', detail: 'more', hint: 'try' },
      { kind: 'step', step: 'b', sql: 'SELECT 1 AS x;', waiting: false },
      { kind: 'result-set', result: { fields: ['x'], rows: [['1']] } },
      { kind: 'error', severity: 'ERROR', message: 'deadlock detected' },
      { kind: 'completed', step: 'a' },
      { kind: 'notify', session: 's1', channel: 'ch', payload: 'p', from: 's2' },
      { kind: 'failure', message: 'failed to complete permutation due to mutually-blocking steps' },
    ]);
    expect(text).toBe(
      [
        'Parsed test spec with 2 sessions',
        '',
        'starting permutation: a b',
        'step a: LOCK t; <waiting ...>',
        's2: NOTICE:  hello',
        'DETAIL:  more',
        'HINT:  try',
        'step b: SELECT 1 AS x;',
        'x',
        '-',
        '1',
        '(1 row)',
        '',
        'ERROR:  deadlock detected',
        'step a: <... completed>',
        's1: NOTIFY "ch" with payload "p" from s2',
        'failed to complete permutation due to mutually-blocking steps',
        '',
      ].join('\n'),
    );
  });
});
