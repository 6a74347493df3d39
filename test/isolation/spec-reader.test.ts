// The spec reader: every construct of the grammar, the checks made before a run, and a writer
// round trip over generated specs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSpec, specPermutations, permutationCount, writeSpec, type IsolationSpec } from '../../harness/isolation/index.ts';

const ALL_CONSTRUCTS = `# Two sessions, every construct the grammar has.
# Second header line.

setup { CREATE TABLE acct (id int PRIMARY KEY, balance int); }
setup
{
  INSERT INTO acct VALUES (1, 100);
}
teardown { DROP TABLE acct; }

session s1
setup	{ BEGIN; }
step s1r { SELECT balance FROM acct WHERE id = 1; }
step "s1 w"  { UPDATE acct SET balance = balance - 10 WHERE id = 1; }   # trailing comment
step s1c { COMMIT; }
teardown { ROLLBACK; }

session "permutation"
step s2w { UPDATE acct SET balance = balance + 1 WHERE id = 1; }
step "say ""hi""" { SELECT 'hi'; }

permutation s1r "s1 w" s2w(*) s1c "say ""hi"""
permutation s1r s2w("s1 w", s1c notices 2) "s1 w" s1c "say ""hi"""
`;

describe('readSpec', () => {
  it('reads setup blocks, teardown, sessions with setup/steps/teardown, and permutations with markers', () => {
    const spec = readSpec(ALL_CONSTRUCTS, 'all.spec');
    expect(spec.headerComment).toEqual(['Two sessions, every construct the grammar has.', 'Second header line.']);
    expect(spec.setup).toEqual(['CREATE TABLE acct (id int PRIMARY KEY, balance int);', '\n  INSERT INTO acct VALUES (1, 100);\n']);
    expect(spec.teardown).toBe('DROP TABLE acct;');
    expect(spec.sessions.map((s) => s.name)).toEqual(['s1', 'permutation']);
    const [s1, s2] = spec.sessions;
    expect(s1?.setup).toBe('BEGIN;');
    expect(s1?.teardown).toBe('ROLLBACK;');
    expect(s1?.steps.map((s) => [s.name, s.session, s.line])).toEqual([
      ['s1r', 0, 13],
      ['s1 w', 0, 14],
      ['s1c', 0, 15],
    ]);
    expect(s2?.setup).toBeNull();
    expect(s2?.steps.map((s) => s.name)).toEqual(['s2w', 'say "hi"']);
    expect(spec.permutations[0]?.steps.map((p) => p.step)).toEqual(['s1r', 's1 w', 's2w', 's1c', 'say "hi"']);
    expect(spec.permutations[0]?.steps[2]?.blockers).toEqual([{ kind: 'once' }]);
    expect(spec.permutations[1]?.steps[1]?.blockers).toEqual([
      { kind: 'step', step: 's1 w' },
      { kind: 'notices', step: 's1c', count: 2 },
    ]);
    expect(spec.warnings).toEqual([]);
  });

  it('keeps names case-sensitive and SQL verbatim apart from blanks next to the braces', () => {
    const spec = readSpec('session A step Foo {\tSELECT 1 ;  \t} step foo {\n SELECT 2\n}');
    expect(spec.sessions[0]?.steps.map((s) => [s.name, s.sql])).toEqual([
      ['Foo', 'SELECT 1 ;'],
      ['foo', '\n SELECT 2\n'],
    ]);
  });

  it('warns about steps no listed permutation uses', () => {
    const spec = readSpec('session a step a1 { SELECT 1; } step a2 { SELECT 2; } permutation a1');
    expect(spec.warnings).toEqual(['unused step name: a2']);
  });

  it.each([
    ['session s step a { SELECT 1; } step a { SELECT 2; }', /:1: duplicate step name 'a'/],
    ['session s step a { SELECT 1; }\npermutation a b', /:2: undefined step 'b' in permutation; defined steps: a/],
    ['session s step a { SELECT 1; }\nsession t step b { SELECT 1; } step c { SELECT 1; }\npermutation a(c) b', /'a' is marked to wait for 'c', which is not in this permutation/],
    ['session s step a { SELECT 1; } step b { SELECT 1; }\npermutation a(b) b', /'a' cannot wait for 'b' of its own session/],
    ['session s step a { SELECT 1; }\nsession t step b { SELECT 1; }\npermutation a(b notices 0) b', /needs a positive count/],
    ['setup { SELECT 1; }', /:1: syntax error: expected a 'session'/],
    ['session s\nstep a { SELECT 1; }\nsetup { SELECT 1; }', /:3: syntax error: .*a top-level 'setup' must come before the permutations/],
    ['session s step step { SELECT 1; }', /a keyword is a name only when double-quoted: "step"/],
    ['session s step a { SELECT 1;', /:1: unterminated SQL block/],
    ['session s step a { SELECT 1; } ;', /unexpected character ";"/],
    ['session "s\n" step a { SELECT 1; }', /unexpected newline in quoted name/],
    ['session s step a SELECT', /expected '\{ SQL \}' for step a/],
    ['session s step a { SELECT 1; }\nsession t step b { SELECT 1; }\npermutation a(b notices) b', /expected a number after 'b notices'/],
  ])('refuses %j', (text, message) => {
    expect(() => readSpec(text)).toThrow(message);
    try {
      readSpec(text);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('E_SPEC_PARSE');
    }
  });
});

describe('specPermutations', () => {
  it('lists every interleaving in the isolation tester order when the spec lists none', () => {
    const spec = readSpec('session a step a1 { SELECT 1; } step a2 { SELECT 1; }\nsession b step b1 { SELECT 1; }');
    const all = [...specPermutations(spec)].map((p) => p.steps.map((s) => s.step).join(' '));
    expect(all).toEqual(['a1 a2 b1', 'a1 b1 a2', 'b1 a1 a2']);
    expect(permutationCount(spec)).toBe(3);
  });

  it('counts the multinomial for larger specs without listing them', () => {
    const spec = readSpec('session a step a1 {x} step a2 {x} step a3 {x}\nsession b step b1 {x} step b2 {x} step b3 {x}\nsession c step c1 {x} step c2 {x}');
    // 8! / (3! 3! 2!) = 560
    expect(permutationCount(spec)).toBe(560);
    expect([...specPermutations(spec)].length).toBe(560);
  });
});

describe('writeSpec', () => {
  it('writes what it reads (the all-constructs spec)', () => {
    const spec = readSpec(ALL_CONSTRUCTS, 'all.spec');
    const again = readSpec(writeSpec(spec), 'all.spec');
    expect(strip(again)).toEqual(strip(spec));
  });

  it('round-trips generated specs: names needing quotes, keywords as names, every marker', () => {
    const name = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_$]{0,6}$/), fc.constantFrom('step', 'setup', 'notices', 'a b', 'q"q', 'Ünï', '1st'));
    const sql = fc.stringMatching(/^[A-Za-z0-9 ;,'()\n*=]{1,30}$/).map((s) => s.replace(/^[ \t]+|[ \t]+$/g, '')).filter((s) => s.length > 0);
    const arbSpec = fc
      .record({
        setup: fc.array(sql, { maxLength: 2 }),
        teardown: fc.option(sql, { nil: null }),
        sessions: fc.array(fc.record({ name, setup: fc.option(sql, { nil: null }), teardown: fc.option(sql, { nil: null }), steps: fc.array(fc.tuple(name, sql), { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
        perms: fc.array(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(3)), { minLength: 1, maxLength: 5 }), { maxLength: 2 }),
      })
      .map((r) => {
        // Unique step names across the spec, as the grammar requires.
        const used = new Set<string>();
        const sessions = r.sessions.map((s, si) => ({
          name: s.name,
          setup: s.setup,
          teardown: s.teardown,
          line: 0,
          steps: s.steps.map(([n, q], k) => {
            let unique = n;
            while (used.has(unique)) unique = `${unique}_${si}${k}`;
            used.add(unique);
            return { name: unique, sql: q, session: si, line: 0 };
          }),
        }));
        const all = sessions.flatMap((s) => s.steps);
        const permutations = r.perms.map((p) => {
          const steps = p.map(([a, b, m]) => {
            const st = all[a % all.length] as (typeof all)[number];
            const others = all.filter((o) => o.session !== st.session);
            const other = others[b % Math.max(1, others.length)];
            const blockers = m === 0 || !other ? [] : m === 1 ? [{ kind: 'once' as const }] : m === 2 ? [{ kind: 'step' as const, step: other.name }] : [{ kind: 'notices' as const, step: other.name, count: b + 1 }];
            return { step: st.name, blockers, other };
          });
          // A marker names a step of the same permutation.
          for (const s of [...steps]) for (const bl of s.blockers) if (bl.kind !== 'once' && !steps.some((x) => x.step === bl.step)) steps.push({ step: bl.step, blockers: [], other: undefined });
          return { line: 0, steps: steps.map(({ step, blockers }) => ({ step, blockers })) };
        });
        return { source: 'gen', headerComment: ['generated'], setup: r.setup, teardown: r.teardown, sessions, permutations, warnings: [] } satisfies IsolationSpec;
      });
    fc.assert(
      fc.property(arbSpec, (spec) => {
        const again = readSpec(writeSpec(spec), 'gen');
        expect(strip(again)).toEqual(strip(spec));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses SQL with a closing brace, which the format cannot hold', () => {
    const spec = readSpec('session s step a { SELECT 1; }');
    const bad = { ...spec, sessions: [{ ...spec.sessions[0]!, steps: [{ name: 'a', sql: "SELECT '}'", session: 0, line: 1 }] }] };
    expect(() => writeSpec(bad)).toThrow(/cannot write SQL containing '\}'/);
  });
});

/** A spec without positions and warnings, for comparing two readings. */
function strip(spec: IsolationSpec): unknown {
  return {
    headerComment: spec.headerComment,
    setup: spec.setup,
    teardown: spec.teardown,
    sessions: spec.sessions.map((s) => ({ name: s.name, setup: s.setup, teardown: s.teardown, steps: s.steps.map((st) => [st.name, st.sql, st.session]) })),
    permutations: spec.permutations.map((p) => p.steps),
  };
}
