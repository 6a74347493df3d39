// Reads an isolation spec: a recursive-descent parser over spec-tokenizer's tokens for the
// grammar PostgreSQL documents (setup* teardown? session+ permutation*), then the checks the
// isolation tester makes before running anything (unique step names, known steps and blockers).
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../errors/index.ts';
import type { IsolationSpec, Permutation, PermutationBlocker, PermutationStep, SpecSession, SpecStep } from './spec-model.ts';
import { describeToken, tokenizeSpec, type SpecKeyword, type SpecToken } from './spec-tokenizer.ts';

/** Parses and checks spec text; `source` names it in messages. */
export function readSpec(text: string, source = '<spec>'): IsolationSpec {
  const { tokens, headerComment } = tokenizeSpec(text, source);
  const p = new Parser(tokens, source);
  const parsed = p.specification();
  const warnings = checkSpec(parsed, source);
  return { source, headerComment, ...parsed, warnings };
}

/** Reads a `.spec` file. */
export async function readSpecFile(path: string): Promise<IsolationSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new HarnessError('E_BAD_ARGUMENT', `cannot read spec file ${path}: ${(e as Error).message}`);
  }
  return readSpec(text, path);
}

type Parsed = Pick<IsolationSpec, 'setup' | 'teardown' | 'sessions' | 'permutations'>;

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: readonly SpecToken[],
    private readonly source: string,
  ) {}

  specification(): Parsed {
    const setup: string[] = [];
    while (this.isKeyword('setup')) {
      this.next();
      setup.push(this.sqlBlock('setup'));
    }
    let teardown: string | null = null;
    if (this.isKeyword('teardown')) {
      this.next();
      teardown = this.sqlBlock('teardown');
    }
    const sessions: SpecSession[] = [];
    while (this.isKeyword('session')) sessions.push(this.session(sessions.length));
    if (sessions.length === 0) this.fail("a 'session' (a spec needs at least one; the order is setup, teardown, sessions, permutations)");
    const permutations: Permutation[] = [];
    while (this.isKeyword('permutation')) permutations.push(this.permutation());
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.fail(
        t.kind === 'keyword' && (t.value === 'setup' || t.value === 'teardown' || t.value === 'session')
          ? `'permutation' or the end of the file; a top-level '${t.value}' must come before the permutations (order: setup, teardown, sessions, permutations)`
          : "'permutation' or the end of the file",
      );
    }
    return { setup, teardown, sessions, permutations };
  }

  private session(index: number): SpecSession {
    const line = this.next().line;
    const name = this.name('session name');
    let setup: string | null = null;
    if (this.isKeyword('setup')) {
      this.next();
      setup = this.sqlBlock(`setup of session ${name}`);
    }
    const steps: SpecStep[] = [];
    while (this.isKeyword('step')) {
      const stepLine = this.next().line;
      const stepName = this.name('step name');
      steps.push({ name: stepName, sql: this.sqlBlock(`step ${stepName}`), session: index, line: stepLine });
    }
    if (steps.length === 0) this.fail(`a 'step' in session ${name} (each session needs at least one)`);
    let teardown: string | null = null;
    if (this.isKeyword('teardown')) {
      this.next();
      teardown = this.sqlBlock(`teardown of session ${name}`);
    }
    return { name, setup, teardown, steps, line };
  }

  private permutation(): Permutation {
    const line = this.next().line;
    const steps: PermutationStep[] = [this.permutationStep()];
    while (this.peek().kind === 'name') steps.push(this.permutationStep());
    return { steps, line };
  }

  private permutationStep(): PermutationStep {
    const step = this.name('step name in the permutation');
    const blockers: PermutationBlocker[] = [];
    if (this.isPunct('(')) {
      this.next();
      blockers.push(this.blocker());
      while (this.isPunct(',')) {
        this.next();
        blockers.push(this.blocker());
      }
      if (!this.isPunct(')')) this.fail(`',' or ')' after the markers of ${step}`);
      this.next();
    }
    return { step, blockers };
  }

  private blocker(): PermutationBlocker {
    if (this.isPunct('*')) {
      this.next();
      return { kind: 'once' };
    }
    const step = this.name("a marker: '*', a step name, or '<step> notices <n>'");
    if (!this.isKeyword('notices')) return { kind: 'step', step };
    this.next();
    const n = this.peek();
    if (n.kind !== 'integer') this.fail(`a number after '${step} notices'`);
    this.next();
    return { kind: 'notices', step, count: (n as { value: number }).value };
  }

  private sqlBlock(what: string): string {
    const t = this.peek();
    if (t.kind !== 'sql') this.fail(`'{ SQL }' for ${what}`);
    this.next();
    return (t as { value: string }).value;
  }

  private name(what: string): string {
    const t = this.peek();
    if (t.kind !== 'name') {
      const hint = t.kind === 'keyword' ? ` (a keyword is a name only when double-quoted: "${t.value}")` : '';
      this.fail(`${what}${hint}`);
    }
    this.next();
    return (t as { value: string }).value;
  }

  private isKeyword(k: SpecKeyword): boolean {
    const t = this.peek();
    return t.kind === 'keyword' && t.value === k;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === p;
  }

  private peek(): SpecToken {
    return this.tokens[this.at] as SpecToken;
  }

  private next(): SpecToken {
    const t = this.peek();
    if (t.kind !== 'eof') this.at++;
    return t;
  }

  private fail(expected: string): never {
    const t = this.peek();
    throw new HarnessError('E_SPEC_PARSE', `${this.source}:${t.line}: syntax error: expected ${expected}, found ${describeToken(t)}`);
  }
}

/** The isolation tester's checks before a run; returns its warnings. */
function checkSpec(spec: Parsed, source: string): string[] {
  const steps = new Map<string, SpecStep>();
  for (const session of spec.sessions) {
    for (const step of session.steps) {
      const seen = steps.get(step.name);
      if (seen) throw new HarnessError('E_SPEC_PARSE', `${source}:${step.line}: duplicate step name '${step.name}' (also at line ${seen.line}); step names must be unique across the spec`);
      steps.set(step.name, step);
    }
  }
  const used = new Set<string>();
  for (const p of spec.permutations) {
    for (const ps of p.steps) {
      const step = steps.get(ps.step);
      if (!step) throw new HarnessError('E_SPEC_PARSE', `${source}:${p.line}: undefined step '${ps.step}' in permutation; defined steps: ${[...steps.keys()].join(', ')}`);
      used.add(ps.step);
    }
    for (const ps of p.steps) {
      const step = steps.get(ps.step) as SpecStep;
      for (const b of ps.blockers) {
        if (b.kind === 'once') continue;
        // A blocker must name a step of the same permutation (steps outside it never run concurrently).
        if (!p.steps.some((o) => o.step === b.step)) {
          throw new HarnessError('E_SPEC_PARSE', `${source}:${p.line}: step '${ps.step}' is marked to wait for '${b.step}', which is not in this permutation`);
        }
        if ((steps.get(b.step) as SpecStep).session === step.session) {
          throw new HarnessError('E_SPEC_PARSE', `${source}:${p.line}: step '${ps.step}' cannot wait for '${b.step}' of its own session`);
        }
        if (b.kind === 'notices' && b.count < 1) {
          throw new HarnessError('E_SPEC_PARSE', `${source}:${p.line}: '${b.step} notices ${b.count}' on step '${ps.step}' needs a positive count`);
        }
      }
    }
  }
  if (spec.permutations.length === 0) return [];
  return [...steps.keys()].filter((n) => !used.has(n)).map((n) => `unused step name: ${n}`);
}
