// A schedule's string is a faithful, pasteable copy of its choices (STYLE section 5): any choice
// array and any replay target parse back from their string, and malformed input names the form.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { Schedule, formatReplayTarget, parseReplayTarget } from '../../harness/sched/index.ts';

const choices = fc.array(fc.nat({ max: 12 }), { maxLength: 60 });
/** Arrays with long runs of one actor, so `<actor>x<count>` tokens are common. */
const runs = fc
  .array(fc.tuple(fc.nat({ max: 4 }), fc.integer({ min: 1, max: 30 })), { maxLength: 10 })
  .map((rs) => rs.flatMap(([actor, n]) => Array.from({ length: n }, () => actor)));

function parseError(text: string, parse: (t: string) => unknown = Schedule.parse): HarnessError {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(HarnessError);
    return e as HarnessError;
  }
  throw new Error(`'${text}' parsed without an error`);
}

describe('Schedule string form', () => {
  it('parses back to the same choices, whatever the choices', () => {
    fc.assert(
      fc.property(fc.oneof(choices, runs), (a) => {
        const text = new Schedule(a).toString();
        expect(Schedule.parse(text).choices).toEqual(a);
        // The string is canonical: printing the parsed schedule gives the same string.
        expect(Schedule.parse(text).toString()).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('uses run-length tokens and ~ for the empty schedule', () => {
    expect(new Schedule([0, 0, 0, 1, 1, 0]).toString()).toBe('0x3-1x2-0');
    expect(Schedule.parse('0x3-1x2-0').choices).toEqual([0, 0, 0, 1, 1, 0]);
    expect(new Schedule([]).toString()).toBe('~');
    expect(Schedule.parse('~').choices).toEqual([]);
    // Tokens need not be merged to parse: `1-1` is the same schedule as `1x2`.
    expect(Schedule.parse('1-1-0x1').toString()).toBe('1x2-0');
  });

  it('round-trips a replay target <scenario>@<layers>:<schedule>', () => {
    const scenario = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}$/);
    const layers = fc.stringMatching(/^[a-z0-9+-]{1,20}$/);
    fc.assert(
      fc.property(scenario, layers, fc.oneof(choices, runs), (s, l, a) => {
        const text = formatReplayTarget({ scenario: s, layers: l, schedule: new Schedule(a) });
        const back = parseReplayTarget(text);
        expect(back.scenario).toBe(s);
        expect(back.layers).toBe(l);
        expect(back.schedule.choices).toEqual(a);
        expect(formatReplayTarget(back)).toBe(text);
      }),
      { numRuns: 200 },
    );
    expect(formatReplayTarget(parseReplayTarget('signal-sync@baseline:0x3-1x2-0'))).toBe('signal-sync@baseline:0x3-1x2-0');
  });

  it.each(['x', '0x', '0--1', 'a-1', '1x', '-1', '0-', '0 1', '0x-1', '0x1.5'])('rejects %j with E_SCHEDULE_PARSE and the expected form', (text) => {
    const e = parseError(text);
    expect(e.code).toBe('E_SCHEDULE_PARSE');
    expect(e.message).toContain(`'${text}'`);
    expect(e.message).toContain('0x3-1x2-0');
  });

  it('rejects a zero repeat count with E_SCHEDULE_PARSE', () => {
    const e = parseError('0x0');
    expect(e.code).toBe('E_SCHEDULE_PARSE');
    expect(e.message).toContain("'0x0'");
    expect(e.message).toMatch(/at least 1/);
  });

  it.each(['signal-sync:0x3', 'signal-sync@baseline', '@baseline:0', 'Signal@baseline:0', 'signal-sync@baseline:'])(
    'rejects the replay target %j with E_SCHEDULE_PARSE and the expected form',
    (text) => {
      const e = parseError(text, parseReplayTarget);
      expect(e.code).toBe('E_SCHEDULE_PARSE');
      expect(e.message).toContain('<scenario>@<layers>:<schedule>');
    },
  );

  it('rejects a replay target whose schedule part is malformed, naming the schedule form', () => {
    const e = parseError('signal-sync@baseline:0x', parseReplayTarget);
    expect(e.code).toBe('E_SCHEDULE_PARSE');
    expect(e.message).toContain('0x3-1x2-0');
  });
});
