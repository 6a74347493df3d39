// Writes an isolation spec as text that spec-reader (and PostgreSQL's isolation tester) reads
// back to the same spec: names quoted where needed, SQL blocks verbatim, markers as written.
import { HarnessError } from '../errors/index.ts';
import type { IsolationSpec, PermutationBlocker, PermutationStep } from './spec-model.ts';

const PLAIN_NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z_0-9$\u0080-\uffff]*$/;
const KEYWORDS = new Set(['setup', 'teardown', 'session', 'step', 'permutation', 'notices']);

/** The spec as text; the header comment goes first, one `#` line each. */
export function writeSpec(spec: Pick<IsolationSpec, 'headerComment' | 'setup' | 'teardown' | 'sessions' | 'permutations'>): string {
  const out: string[] = [];
  for (const c of spec.headerComment) out.push(c === '' ? '#' : `# ${c}`);
  if (spec.headerComment.length > 0) out.push('');
  for (const s of spec.setup) out.push(`setup ${block(s)}`);
  if (spec.teardown !== null) out.push(`teardown ${block(spec.teardown)}`);
  for (const session of spec.sessions) {
    out.push('', `session ${specName(session.name)}`);
    if (session.setup !== null) out.push(`setup ${block(session.setup)}`);
    for (const step of session.steps) out.push(`step ${specName(step.name)} ${block(step.sql)}`);
    if (session.teardown !== null) out.push(`teardown ${block(session.teardown)}`);
  }
  if (spec.permutations.length > 0) out.push('');
  for (const p of spec.permutations) out.push(permutationLine(p.steps));
  return `${out.join('\n')}\n`;
}

/** `permutation a b(c) d(*)`. */
export function permutationLine(steps: readonly PermutationStep[]): string {
  return `permutation ${steps.map(permutationStepText).join(' ')}`;
}

function permutationStepText(ps: PermutationStep): string {
  const name = specName(ps.step);
  return ps.blockers.length === 0 ? name : `${name}(${ps.blockers.map(blockerText).join(', ')})`;
}

function blockerText(b: PermutationBlocker): string {
  if (b.kind === 'once') return '*';
  if (b.kind === 'step') return specName(b.step);
  return `${specName(b.step)} notices ${b.count}`;
}

/** A session or step name as the spec grammar reads it: plain when it can be, else double-quoted. */
export function specName(name: string): string {
  if (name === '' || /[\n\r]/.test(name)) throw new HarnessError('E_SPEC_UNSUPPORTED', `cannot write the name ${JSON.stringify(name)} into a spec: names are non-empty and on one line`);
  if (PLAIN_NAME.test(name) && !KEYWORDS.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

function block(sql: string): string {
  // The grammar has no escape for `}`: the first one ends the block.
  if (sql.includes('}')) throw new HarnessError('E_SPEC_UNSUPPORTED', `cannot write SQL containing '}' into a spec block (the format has no escape for it): ${sql.slice(0, 80)}`);
  return `{ ${sql.replace(/^[ \t\r\f]+|[ \t\r\f]+$/g, '')} }`;
}
