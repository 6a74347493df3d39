// What the harness cannot run faithfully, found before anything runs: each SQL block is parsed
// with PostgreSQL's own parser (libpg-query) and refused by construct, with the block named.
// Injection points and safe-snapshot waits block outside the lock manager, where the harness's
// blocked detection (pg_blocking_pids) cannot see them; extensions and prepared transactions
// depend on the server and are checked against it.
import { HarnessError } from '../errors/index.ts';
import type { IsolationSpec } from './spec-model.ts';

/** One SQL block of a spec, named for messages. */
export interface SpecBlock {
  readonly where: string;
  readonly sql: string;
}

/** What a spec needs from the server, to be checked once it is known. */
export interface SpecNeeds {
  readonly extensions: readonly { readonly name: string; readonly where: string }[];
  /** Where the spec first uses PREPARE TRANSACTION, if it does. */
  readonly preparedTransactions: string | null;
}

/** Every SQL block of a spec with where it is. */
export function specBlocks(spec: IsolationSpec): SpecBlock[] {
  const blocks: SpecBlock[] = spec.setup.map((sql, i) => ({ where: `setup block ${i + 1}`, sql }));
  if (spec.teardown !== null) blocks.push({ where: 'teardown', sql: spec.teardown });
  for (const s of spec.sessions) {
    if (s.setup !== null) blocks.push({ where: `setup of session ${s.name}`, sql: s.setup });
    for (const st of s.steps) blocks.push({ where: `step ${st.name} (line ${st.line})`, sql: st.sql });
    if (s.teardown !== null) blocks.push({ where: `teardown of session ${s.name}`, sql: s.teardown });
  }
  return blocks;
}

/** Throws E_SPEC_UNSUPPORTED for a construct the harness cannot run; returns what to check on the server. */
export async function analyseSpec(spec: IsolationSpec): Promise<SpecNeeds> {
  const extensions: { name: string; where: string }[] = [];
  let preparedTransactions: string | null = null;
  for (const block of specBlocks(spec)) {
    const refuse = (construct: string, why: string): never => {
      throw new HarnessError('E_SPEC_UNSUPPORTED', `${spec.source}: ${block.where} uses ${construct}, which the harness cannot run: ${why}`);
    };
    let tree: unknown;
    try {
      const { parse } = await import('libpg-query');
      tree = await parse(block.sql);
    } catch {
      // SQL that does not parse fails at run time with PostgreSQL's own error, as in the tester;
      // only a textual look for injection points is possible here.
      if (/\binjection_points?\w*/i.test(block.sql)) refuse('injection points', INJECTION_WHY);
      continue;
    }
    walk(tree, (key, node) => {
      if (key === 'CreateExtensionStmt') {
        const name = String(node['extname'] ?? '');
        if (name === 'injection_points') refuse('CREATE EXTENSION injection_points', INJECTION_WHY);
        extensions.push({ name, where: block.where });
      } else if (key === 'FuncCall') {
        const fn = funcName(node);
        if (fn.startsWith('injection_points')) refuse(`injection points (${fn})`, INJECTION_WHY);
      } else if (key === 'DefElem' && node['defname'] === 'transaction_deferrable' && constTrue(node['arg'])) {
        refuse('a DEFERRABLE transaction', DEFERRABLE_WHY);
      } else if (key === 'VariableSetStmt' && node['name'] === 'default_transaction_deferrable') {
        refuse('default_transaction_deferrable', DEFERRABLE_WHY);
      } else if (key === 'TransactionStmt' && node['kind'] === 'TRANS_STMT_PREPARE') {
        preparedTransactions ??= block.where;
      }
    });
  }
  return { extensions, preparedTransactions };
}

/** Checks the server has what the spec needs; `query` runs on a session of the harness's database. */
export async function checkServerSupports(spec: IsolationSpec, needs: SpecNeeds, query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<void> {
  if (needs.extensions.length > 0) {
    const r = await query('SELECT name FROM pg_available_extensions');
    const available = new Set(r.rows.map((row) => String(row['name'])));
    for (const e of needs.extensions) {
      if (!available.has(e.name)) {
        throw new HarnessError(
          'E_SPEC_UNSUPPORTED',
          `${spec.source}: ${e.where} needs the extension '${e.name}', which this PostgreSQL does not have (available: ${[...available].sort().join(', ') || 'none'})`,
        );
      }
    }
  }
  if (needs.preparedTransactions !== null) {
    const r = await query('SHOW max_prepared_transactions');
    const n = Number(r.rows[0]?.['max_prepared_transactions'] ?? 0);
    if (!(n > 0)) {
      throw new HarnessError(
        'E_SPEC_UNSUPPORTED',
        `${spec.source}: ${needs.preparedTransactions} uses PREPARE TRANSACTION, but this PostgreSQL has max_prepared_transactions = ${n}; run against a server (--database-url) that allows prepared transactions`,
      );
    }
  }
}

const INJECTION_WHY = 'a session waiting at an injection point is not waiting on a lock, so the scheduler cannot see it block (and the embedded PostgreSQL has no injection_points module)';
const DEFERRABLE_WHY = 'a SERIALIZABLE READ ONLY DEFERRABLE transaction waits for a safe snapshot, which pg_blocking_pids (the harness\'s blocked detection) does not report';

function walk(node: unknown, visit: (key: string, node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && /^[A-Z]/.test(key)) visit(key, value as Record<string, unknown>);
    walk(value, visit);
  }
}

function funcName(node: Record<string, unknown>): string {
  const parts = Array.isArray(node['funcname']) ? node['funcname'] : [];
  const last = parts[parts.length - 1] as { String?: { sval?: string } } | undefined;
  return String(last?.String?.sval ?? '').toLowerCase();
}

function constTrue(arg: unknown): boolean {
  const c = (arg as { A_Const?: { ival?: { ival?: number }; sval?: { sval?: string }; boolval?: { boolval?: boolean } } } | undefined)?.A_Const;
  if (!c) return true;
  if (c.ival) return c.ival.ival === 1;
  if (c.boolval) return c.boolval.boolval === true;
  if (c.sval) return /^(on|true|yes|1)$/i.test(c.sval.sval ?? '');
  return false;
}
