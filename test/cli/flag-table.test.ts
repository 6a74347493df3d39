// The flag table machinery on a table of its own: typed values and defaults, ranges named in the
// message (negative numbers included), a plugin's name for a core flag, grouped help text.
import { describe, expect, it } from 'vitest';
import { flagFacts, groupFlags, helpLines, parseFlags, parseSome } from '../../harness/cli/flag-table.ts';
import type { FlagDef } from '../../harness/scenario/index.ts';
import { harnessErrorOf } from '../support/harness-error-of.ts';

const FLAGS: readonly FlagDef[] = [
  { name: 'count', type: 'integer', min: 1, max: 10, value: '<n>', default: 3, group: 'A', description: 'how many' },
  { name: 'ratio', type: 'number', min: 0, max: 2, unit: 'σ', value: '<r>', group: 'A', description: 'a ratio' },
  { name: 'name', type: 'string', multiple: true, value: '<name>', group: 'B', description: 'a name' },
  { name: 'quiet', type: 'boolean', short: 'q', group: 'B', description: 'say less' },
  { name: 'secret', type: 'boolean', hidden: true, group: 'B', description: 'not shown' },
];

describe('parseFlags', () => {
  it('gives typed values, defaults for what was left out, and which flags were given', () => {
    const p = parseFlags(['--count', '7', '--ratio=0.5', '--name', 'a', '--name', 'b', '-q'], FLAGS);
    expect(p.values).toEqual({ count: 7, ratio: 0.5, name: ['a', 'b'], quiet: true, secret: undefined });
    expect([...p.given].sort()).toEqual(['count', 'name', 'quiet', 'ratio']);
    expect(parseFlags([], FLAGS).values['count']).toBe(3);
  });

  it.each([
    [['--count', '-1'], "--count must be a whole number ≥ 1 and ≤ 10, got '-1'"],
    [['--count=-1'], "--count must be a whole number ≥ 1 and ≤ 10, got '-1'"],
    [['--count', '11'], "--count must be a whole number ≥ 1 and ≤ 10, got '11'"],
    [['--count', '1e1'], "got '1e1'"],
    [['--count', ''], "got ''"],
    [['--ratio', '-0.5'], "--ratio (a ratio) must be a number from 0 to 2 σ, got '-0.5'"],
    [['--ratio', '-.5'], "got '-.5'"],
    [['--ratio', 'x'], "got 'x'"],
  ])('%j is refused with its range', (argv, message) => {
    const e = harnessErrorOf(() => parseFlags(argv, FLAGS));
    expect(e.code).toBe('E_BAD_ARGUMENT');
    expect(e.message).toContain(message);
  });

  it('an unknown flag is named, with the usage after it', () => {
    const e = harnessErrorOf(() => parseFlags(['--nope'], FLAGS, [], 'USAGE'));
    expect(e.message).toBe("Unknown option '--nope'\n\nUSAGE");
  });

  it("a plugin's name for a flag gives its values to that flag, and messages use the name as given", () => {
    const p = parseFlags(['--layers', 'x', '--name', 'y', '--layers=z'], FLAGS, [{ alias: 'layers', of: 'name' }]);
    expect(p.values['name']).toEqual(['x', 'y', 'z']);
    expect(p.spelled.get('name')).toBe('layers');
    const e = harnessErrorOf(() => parseFlags(['--many', '-2'], FLAGS, [{ alias: 'many', of: 'count' }]));
    expect(e.message).toContain("--many must be a whole number ≥ 1 and ≤ 10, got '-2'");
  });
});

describe('parseSome', () => {
  it('reads the flags it is given and leaves the rest alone', () => {
    expect(parseSome(['--unknown', 'x', '--name', 'a', '--quiet'], FLAGS.filter((f) => f.name !== 'count'))).toMatchObject({ name: ['a'], quiet: true, ratio: undefined });
  });
});

describe('help', () => {
  it('groups flags under their headings, leaves hidden ones out, and says repeatable, range and default', () => {
    const text = helpLines(groupFlags(FLAGS)).join('\n');
    expect(text).toContain('A:\n  --count <n>');
    expect(text).toContain('how many (at most 10; default 3)');
    expect(text).toContain('a ratio (0–2 σ)');
    expect(text).toContain('B:\n  --name <name>');
    expect(text).toContain('-q, --quiet');
    expect(text).not.toContain('secret');
    expect(flagFacts(FLAGS[2] as FlagDef)).toEqual(['repeatable']);
  });
});
