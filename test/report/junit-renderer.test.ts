// The JUnit report: well-formed (by our strict reader and by libxml2), valid against the common
// JUnit schema, one suite per scenario, failures and errors where the cells say so.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../harness/report/index.ts';
import type { RunResult } from '../../harness/run/index.ts';
import { findAll, parseXml, textOf, type XmlElement } from './mini-xml.ts';
import { SAMPLE_COUNTEREXAMPLE, errorCell, sampleResult, userResult, violatingDisagreement, withCell } from './sample-result.ts';
import { xmllint } from './xmllint.ts';
import { named } from '../support/client-programs.ts';
import { toolMissing } from '../support/system-tool.ts';

const noXmllint = toolMissing('xmllint', 'libxml2-utils');

const XSD = fileURLToPath(new URL('./junit.xsd', import.meta.url));

function testcase(root: XmlElement, name: string): XmlElement {
  const found = findAll(root, 'testcase').find((t) => t.attrs['name'] === name);
  if (!found) throw new Error(`no testcase '${name}'`);
  return found;
}

/** Every text that could break markup, in every field that reaches the XML. */
function hostile(result: RunResult): RunResult {
  const nasty = `<b>&amp;</b> "q" 'a' ]]> \u0001\u0008 tab\tend \uD800 line\nbreak`;
  const ce = { ...SAMPLE_COUNTEREXAMPLE, command: `${SAMPLE_COUNTEREXAMPLE.command} # ${nasty}`, violations: [{ invariant: 'scenario:x' as const, message: nasty, rows: [1] }] };
  return {
    ...withCell(result, { ...violatingDisagreement, scenario: 'plan-test-2', violationsByInvariant: { [`inv${nasty}`]: 1 }, counterexample: ce }),
    scenarios: result.scenarios.map((s) => ({ ...s, title: nasty })),
  };
}

describe('renderJunit', () => {
  const xml = renderJunit(sampleResult);
  const root = parseXml(xml);

  it('has testsuites > one testsuite per scenario > one testcase per cell, with totals', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '1', errors: '0', skipped: '0', time: '16.764' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attrs['name'])).toEqual(['plan-test-2', 'close-reopen']);
    expect(suites.map((s) => [s.attrs['tests'], s.attrs['failures'], s.attrs['errors'], s.attrs['skipped']])).toEqual([
      ['2', '1', '0', '0'],
      ['2', '0', '0', '0'],
    ]);
    expect(suites[0]?.attrs['time']).toBe('24.342');
    const cases = findAll(root, 'testcase');
    expect(cases.map((c) => c.attrs['name'])).toEqual([
      'plan-test-2 @ baseline',
      'plan-test-2 @ single-transaction',
      'close-reopen @ baseline',
      'close-reopen @ single-transaction',
    ]);
    expect(cases.map((c) => c.attrs['classname'])).toEqual(['scenarios.plan-test-2', 'scenarios.plan-test-2', 'scenarios.close-reopen', 'scenarios.close-reopen']);
    expect(cases[0]?.attrs['time']).toBe('18.412');
  });

  it('fails exactly the cell whose measurement contradicts its expectation', () => {
    const failures = findAll(root, 'failure');
    expect(failures).toHaveLength(1);
    const failed = testcase(root, 'plan-test-2 @ single-transaction');
    const failure = findAll(failed, 'failure')[0];
    expect(failure?.attrs['type']).toBe('ExpectationMismatch');
    expect(failure?.attrs['message']).toBe('expected violates, verdict proven: no violation in all 1,140 interleavings');
    expect(findAll(root, 'error')).toHaveLength(0);
  });

  it('puts schedules and coverage in every testcase system-out', () => {
    const outs = findAll(root, 'testcase').map((c) => textOf(findAll(c, 'system-out')[0] ?? { name: '', attrs: {}, children: [] }));
    expect(outs[0]).toContain('schedules: all 3,876 interleavings; violating: 3,211');
    expect(outs[0]).toContain(`replay: ${SAMPLE_COUNTEREXAMPLE.command}`);
    expect(outs[2]).toContain('schedules: 500 sampled (pct bound p ≥ 0.021)');
    expect(outs[2]).toContain('pct bound: p ≥ 0.021 per run (n=2, k=24, d=2');
  });

  it('carries the violated invariants, the replay command and the violations of a violating disagreement', () => {
    const out = parseXml(renderJunit(withCell(sampleResult, violatingDisagreement)));
    const failure = findAll(testcase(out, 'plan-test-2 @ baseline'), 'failure')[0];
    expect(failure?.attrs['message']).toBe('expected holds, verdict VIOLATED: no-duplicate-open, no-unhandled-db-error, scenario:plan-test-2 (3,211 of 3,876 schedules)');
    const body = textOf(failure as XmlElement);
    expect(body).toContain(SAMPLE_COUNTEREXAMPLE.command);
    for (const v of SAMPLE_COUNTEREXAMPLE.violations) expect(body).toContain(`[${v.invariant}] ${v.message}`);
    expect(out.attrs['failures']).toBe('2');
  });

  it('reports a cell that could not run as an <error>, not a failure', () => {
    const out = parseXml(renderJunit(withCell(sampleResult, errorCell)));
    expect(out.attrs).toMatchObject({ tests: '4', failures: '1', errors: '1' });
    const broken = testcase(out, 'close-reopen @ single-transaction');
    expect(findAll(broken, 'failure')).toHaveLength(0);
    const error = findAll(broken, 'error')[0];
    expect(error?.attrs['type']).toBe('CellError');
    expect(error?.attrs['message']).toBe(errorCell.error);
    expect(findAll(out, 'testsuite')[1]?.attrs['errors']).toBe('1');
  });

  it('escapes markup, quotes, line breaks and characters XML cannot carry', () => {
    const out = renderJunit(hostile(sampleResult));
    const parsed = parseXml(out);
    const failure = findAll(testcase(parsed, 'plan-test-2 @ baseline'), 'failure')[0] as XmlElement;
    expect(failure.attrs['message']).toContain(`<b>&amp;</b> "q" 'a' ]]> \uFFFD\uFFFD tab\tend \uFFFD line\nbreak`);
    expect(textOf(failure)).toContain('# <b>&amp;</b>');
  });

  it.skipIf(noXmllint)(named('is well-formed and valid against the JUnit schema for xmllint', noXmllint), async () => {
    for (const result of [sampleResult, withCell(sampleResult, violatingDisagreement), withCell(sampleResult, errorCell), hostile(sampleResult), userResult, { ...userResult, title: '<a &amp; "b">' }]) {
      const doc = renderJunit(result);
      const wellFormed = await xmllint(doc);
      expect(wellFormed.output).toBe('');
      expect(wellFormed.ok).toBe(true);
      const valid = await xmllint(doc, XSD);
      expect(valid.output).toContain('validates');
      expect(valid.ok).toBe(true);
    }
  });

  it.skipIf(noXmllint)(named('uses a schema strict enough to reject a testcase without classname', noXmllint), async () => {
    const broken = renderJunit(sampleResult).replace(' classname="scenarios.close-reopen"', '');
    const result = await xmllint(broken, XSD);
    expect(result.ok).toBe(false);
    expect(result.output).toContain("attribute 'classname' is required");
  });
});

describe('parseXml (the strict reader the JUnit tests rely on)', () => {
  it.each([
    ['<a><b></a>', 'closes'],
    ['<a x="1" x="2"/>', 'duplicate attribute'],
    ['<a>&nope;</a>', 'unknown reference'],
    ['<a>fish & chips</a>', 'starts no reference'],
    ['<a x="<"/>', "'<' in the value"],
    ['<a/><b/>', 'after the root'],
    ['<a>\u0001</a>', 'not allowed'],
    ['<a>', 'unclosed'],
  ])('rejects %j', (doc, why) => {
    expect(() => parseXml(doc)).toThrow(why);
  });
});
