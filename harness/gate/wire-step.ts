// A step of a wire-protocol session: one client request held at the gate (a simple Query, or an
// extended-protocol batch up to Sync or Flush), described as SQL with decoded parameter values.
import type { FrontendMessage } from './frontend-messages.ts';
import { inlineParameters } from './inline-parameters.ts';
import { BatchLookup, type BoundPortal, type PreparedStatement, type StatementLookup } from './statement-cache.ts';
import { decodeValue, type WireValue } from './wire-values.ts';

/** How the request ended: a simple Query, a Sync (answered by ReadyForQuery), or a Flush. */
export type StepEnd = 'query' | 'sync' | 'flush';

/** One statement the step executes. */
export interface StepStatement {
  /** The SQL text; null when the client executed a statement or portal the gate never saw. */
  readonly sql: string | null;
  /** The prepared statement's name ('' = unnamed); null for a simple Query. */
  readonly statementName: string | null;
  readonly params: readonly WireValue[];
  /** Parameter type OIDs, 0 where neither Parse nor the server said. */
  readonly paramTypes: readonly number[];
}

/** A statement the step prepares (Parse) without necessarily executing it. */
export interface StepPrepare {
  readonly name: string;
  readonly sql: string;
}

export interface WireStep {
  /** The step's number on its connection, from 0. */
  readonly index: number;
  readonly protocol: 'simple' | 'extended';
  readonly end: StepEnd;
  /** What it executes, in order: the Query text, or one entry per Execute. */
  readonly statements: readonly StepStatement[];
  readonly prepares: readonly StepPrepare[];
  /** False for a batch that only prepares, describes, closes or syncs: it runs no statement. */
  readonly executes: boolean;
  /** The message types, e.g. `Parse Bind Describe Execute Sync`. */
  readonly messages: string;
  /** The SQL with its parameter values written in, for traces. */
  readonly detail: string;
}

/** A response the server owes for one message of a released batch, in order. */
export type Expectation =
  | { readonly kind: 'parse'; readonly statement: PreparedStatement }
  | { readonly kind: 'bind'; readonly portal: BoundPortal }
  | { readonly kind: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'execute'; readonly portal: BoundPortal | undefined }
  | { readonly kind: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'sync' };

/** A described batch and the responses it will get. */
export interface PlannedStep {
  readonly step: WireStep;
  readonly expectations: readonly Expectation[];
}

const MESSAGE_NAMES: Record<string, string> = {
  query: 'Query',
  parse: 'Parse',
  bind: 'Bind',
  describe: 'Describe',
  execute: 'Execute',
  close: 'Close',
  flush: 'Flush',
  sync: 'Sync',
};

const EXTENDED = new Set<FrontendMessage['type']>(['parse', 'bind', 'describe', 'execute', 'close', 'flush', 'sync']);

/**
 * Takes the extended-protocol batch at the head of `queue`: up to its Sync, or up to a Flush (a
 * client that flushes waits for the answer before it sends more, so holding on for a Sync would
 * deadlock it). Null while the batch is incomplete. Splitting at every Flush, never at whatever
 * happened to arrive, keeps the steps the same from run to run.
 */
export function takeBatch(queue: FrontendMessage[]): FrontendMessage[] | null {
  if (!queue[0] || !EXTENDED.has(queue[0].type)) return null;
  const last = queue.findIndex((m) => m.type === 'sync' || m.type === 'flush');
  return last < 0 ? null : queue.splice(0, last + 1);
}

/** Describes one batch of messages the client sent, reading statements from `lookup`. */
export function describeBatch(index: number, batch: readonly FrontendMessage[], lookup: StatementLookup): PlannedStep {
  const view = new BatchLookup(lookup);
  const expectations: Expectation[] = [];
  const statements: StepStatement[] = [];
  const prepares: StepPrepare[] = [];
  const details: string[] = [];
  let protocol: WireStep['protocol'] = 'extended';
  let end: StepEnd = 'sync';
  for (const m of batch) {
    switch (m.type) {
      case 'query':
        protocol = 'simple';
        end = 'query';
        statements.push({ sql: m.sql, statementName: null, params: [], paramTypes: [] });
        details.push(m.sql);
        break;
      case 'parse': {
        const statement = { name: m.name, sql: m.sql, paramTypes: m.paramTypes };
        view.parse(statement);
        prepares.push({ name: m.name, sql: m.sql });
        expectations.push({ kind: 'parse', statement });
        break;
      }
      case 'bind': {
        const statement = view.statement(m.statement);
        const types = statement?.paramTypes ?? [];
        const values = m.values.map((v, i) => decodeValue(v, m.formats[i] ?? 0, types[i]));
        const portal = { name: m.portal, statement, values, resultFormats: m.resultFormats };
        view.bind(portal);
        expectations.push({ kind: 'bind', portal });
        break;
      }
      case 'describe':
        expectations.push({ kind: 'describe', target: m.target, name: m.name });
        break;
      case 'close':
        expectations.push({ kind: 'close', target: m.target, name: m.name });
        break;
      case 'sync':
        expectations.push({ kind: 'sync' });
        break;
      case 'execute': {
        const portal = view.portal(m.portal);
        expectations.push({ kind: 'execute', portal });
        const s = portal?.statement;
        const params = portal?.values ?? [];
        statements.push({ sql: s?.sql ?? null, statementName: s?.name ?? null, params, paramTypes: s?.paramTypes ?? [] });
        details.push(s ? inlineParameters(s.sql, params) : `execute portal "${m.portal}" (statement unknown to the gate)`);
        break;
      }
      case 'flush':
        end = 'flush';
        break;
      default:
        break;
    }
  }
  if (statements.length === 0) {
    for (const p of prepares) details.push(`prepare ${p.name === '' ? '(unnamed)' : p.name}: ${p.sql}`);
  }
  const messages = batch.map((m) => MESSAGE_NAMES[m.type] ?? m.type).join(' ');
  const detail = (details.length > 0 ? details.join('; ') : messages) + (end === 'flush' ? ' (flush)' : '');
  return { step: { index, protocol, end, statements, prepares, executes: statements.length > 0, messages, detail }, expectations };
}
