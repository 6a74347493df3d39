// A schedule is data: the actor chosen at each step. Its string form is short and pasteable
// (`0x3-1x2-0`: actor 0 three times, actor 1 twice, actor 0), and parses back to the same choices.
import { HarnessError } from '../errors/index.ts';

export class Schedule {
  constructor(readonly choices: readonly number[]) {}

  /** Run-length form: tokens `<actor>` or `<actor>x<count>` joined by `-`; `~` for no step. */
  toString(): string {
    if (this.choices.length === 0) return '~';
    const tokens: string[] = [];
    let i = 0;
    while (i < this.choices.length) {
      const actor = this.choices[i] as number;
      let n = 1;
      while (this.choices[i + n] === actor) n++;
      tokens.push(n === 1 ? String(actor) : `${actor}x${n}`);
      i += n;
    }
    return tokens.join('-');
  }

  static parse(text: string): Schedule {
    const s = text.trim();
    if (s === '~' || s === '') return new Schedule([]);
    const choices: number[] = [];
    for (const token of s.split('-')) {
      const m = /^(\d{1,4})(?:x(\d{1,6}))?$/.exec(token);
      if (!m) {
        throw new HarnessError(
          'E_SCHEDULE_PARSE',
          `malformed schedule '${text}' at token '${token}': expected tokens like 0, 1x3 joined by '-' (e.g. 0x3-1x2-0), or '~' for an empty schedule`,
        );
      }
      const actor = Number(m[1]);
      const count = m[2] === undefined ? 1 : Number(m[2]);
      if (count < 1) {
        throw new HarnessError(
          'E_SCHEDULE_PARSE',
          `malformed schedule '${text}' at token '${token}': a repeat count must be at least 1; expected tokens like 0, 1x3 joined by '-' (e.g. 0x3-1x2-0), or '~' for an empty schedule`,
        );
      }
      for (let k = 0; k < count; k++) choices.push(actor);
    }
    return new Schedule(choices);
  }
}

/** `<scenario>@<layers>:<schedule>`, the argument of `--replay`. */
export interface ReplayTarget {
  readonly scenario: string;
  readonly layers: string;
  readonly schedule: Schedule;
}

export function formatReplayTarget(t: ReplayTarget): string {
  return `${t.scenario}@${t.layers}:${t.schedule.toString()}`;
}

export function parseReplayTarget(text: string): ReplayTarget {
  const m = /^([a-z0-9][a-z0-9-]*)@([a-z0-9+-]+):(.+)$/.exec(text.trim());
  if (!m) {
    throw new HarnessError('E_SCHEDULE_PARSE', `malformed replay '${text}': expected <scenario>@<layers>:<schedule>, e.g. signal-sync@baseline:0x3-1x2-0`);
  }
  return { scenario: m[1] as string, layers: m[2] as string, schedule: Schedule.parse(m[3] as string) };
}
