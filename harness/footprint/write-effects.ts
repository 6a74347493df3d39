// What a write runs besides itself, per table and kind of write, and what each user function
// touches: one graph whose nodes are (kind of write, table) and user functions. A write's node
// holds its table's triggers and the expressions the catalog attaches (defaults, checks, domains,
// index expressions); edges go to the writes those bodies make (triggers firing triggers,
// cascades to linked tables) and to the functions they call. A footprint is the union over what
// is reachable; a node we cannot read (opaque) makes it everything.
import { SQL_ANYTHING, type Footprint } from './footprint.ts';
import { attachedFootprint, type AttachedRow } from './attached-expressions.ts';
import { functionFootprint, type FunctionRow } from './function-footprint.ts';
import { plpgsqlBodyFootprint, type BodyFootprint } from './plpgsql-footprint.ts';
import { Collector, type WriteEvents } from './sql-collector.ts';
import type { CatalogRelation, SqlCatalog } from './sql-catalog.ts';
import { parsedStatements, type Node } from './sql-parse.ts';

/** What fires a trigger; `truncate` is here for completeness (TRUNCATE touches everything anyway). */
export type TriggerEvent = 'insert' | 'update' | 'delete' | 'truncate';
export const TRIGGER_EVENTS: readonly TriggerEvent[] = ['insert', 'update', 'delete', 'truncate'];

/** pg_trigger.tgtype bits (PostgreSQL's TRIGGER_TYPE_*). */
const EVENT_BITS: Readonly<Record<TriggerEvent, number>> = { insert: 1 << 2, delete: 1 << 3, update: 1 << 4, truncate: 1 << 5 };

/** Past this many (table, event) nodes in one closure we stop and call it everything. */
const MAX_NODES = 10_000;

/** One user trigger as the catalog describes it. */
export interface TriggerRow {
  readonly rel: number;
  readonly type: number;
  readonly name: string;
  /** pg_get_triggerdef: where the WHEN clause is read from. */
  readonly definition: string;
  readonly has_when: boolean;
  readonly constraint_trigger: boolean;
  readonly transition_tables: boolean;
  readonly function: number;
  readonly language: string;
  readonly source: string;
  readonly has_config: boolean;
}

interface EffectNode {
  opaque: boolean;
  readonly keys: Set<string>;
  /** The (event, table) nodes its bodies' writes fire. */
  readonly next: Set<string>;
}

const nodeId = (table: string, event: TriggerEvent): string => `${event}:${table}`;
const functionNode = (name: string): string => `fn:${name}`;

/** Writes that evaluate a table's attached expressions (defaults, generated columns, checks, index expressions). */
const ATTACHED_EVENTS: readonly TriggerEvent[] = ['insert', 'update'];

export interface WriteEffects {
  /** By table: what a write of each kind adds; tables absent add nothing. */
  readonly tables: Map<string, Record<TriggerEvent, Footprint>>;
  /** By user function name (all its overloads): what a call touches. */
  readonly functions: Map<string, Footprint>;
}

/** The effects of every write and every user function call, closed over the graph. */
export function writeEffects(
  catalog: SqlCatalog,
  triggers: readonly (TriggerRow & { readonly on: string })[],
  attached: readonly (AttachedRow & { readonly on: string })[],
  functions: readonly FunctionRow[],
): WriteEffects {
  const tables = new Map<string, Record<TriggerEvent, Footprint>>();
  const graph = new Map<string, EffectNode>();
  const nodeOf = (id: string): EffectNode => {
    const node = graph.get(id) ?? { opaque: false, keys: new Set<string>(), next: new Set<string>() };
    graph.set(id, node);
    return node;
  };
  const add = (node: EffectNode, footprint: BodyFootprint | null): void => {
    if (!footprint) {
      node.opaque = true;
      return;
    }
    for (const k of footprint.keys) node.keys.add(k);
    for (const w of footprint.writes) for (const n of firedBy(w.rel, w.events)) node.next.add(n);
    for (const c of footprint.calls) node.next.add(functionNode(c));
  };
  const bodies = new Map<number, BodyFootprint | null>();
  for (const t of triggers) {
    const footprint = triggerFootprint(t, catalog, bodies);
    for (const event of TRIGGER_EVENTS) if ((t.type & EVENT_BITS[event]) !== 0) add(nodeOf(nodeId(t.on, event)), footprint);
  }
  for (const a of attached) {
    const footprint = attachedFootprint(a, catalog);
    for (const event of ATTACHED_EVENTS) add(nodeOf(nodeId(a.on, event)), footprint);
  }
  for (const f of functions) add(nodeOf(functionNode(f.name)), functionFootprint(f, catalog));
  const out: WriteEffects = { tables, functions: new Map() };
  if (graph.size === 0) return out;
  for (const rel of catalog.relations.values()) {
    const byEvent = Object.fromEntries(TRIGGER_EVENTS.map((e) => [e, closure(graph, firedBy(rel, [e]))])) as Record<TriggerEvent, Footprint>;
    if (TRIGGER_EVENTS.some((e) => byEvent[e].length > 0)) tables.set(rel.qualified, byEvent);
  }
  for (const f of functions) if (!out.functions.has(f.name)) out.functions.set(f.name, closure(graph, [functionNode(f.name)]));
  return out;
}

/** The nodes a write fires: its table's triggers for its events, and (cascades) every trigger of a linked table. */
function firedBy(rel: CatalogRelation, events: WriteEvents): string[] {
  return [...events.map((e) => nodeId(rel.qualified, e)), ...rel.linked.flatMap((t) => TRIGGER_EVENTS.map((e) => nodeId(t, e)))];
}

/** Union of the nodes reachable from `starts`; the visited set is the cycle guard (recursive triggers). */
function closure(graph: ReadonlyMap<string, EffectNode>, starts: readonly string[]): Footprint {
  const seen = new Set<string>();
  const keys = new Set<string>();
  const todo = [...starts];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (seen.size > MAX_NODES) return SQL_ANYTHING;
    const node = graph.get(id);
    // A call of a function the catalog does not list (created since it was read): anything.
    if (!node) {
      if (id.startsWith('fn:')) return SQL_ANYTHING;
      continue;
    }
    if (node.opaque) return SQL_ANYTHING;
    for (const k of node.keys) keys.add(k);
    todo.push(...node.next);
  }
  return [...keys];
}

/**
 * What one trigger's function and WHEN clause touch, or null when we cannot tell: another language
 * than PL/pgSQL, settings of its own (`SET search_path` would change name resolution), constraint
 * triggers (they may run deferred, at COMMIT), transition tables, a body we do not read.
 */
function triggerFootprint(t: TriggerRow, catalog: SqlCatalog, bodies: Map<number, BodyFootprint | null>): BodyFootprint | null {
  if (t.language !== 'plpgsql' || t.has_config || t.constraint_trigger || t.transition_tables) return null;
  if (!bodies.has(t.function)) bodies.set(t.function, plpgsqlBodyFootprint(t.source, catalog));
  const body = bodies.get(t.function) ?? null;
  if (!body || !t.has_when) return body;
  const create = parsedStatements(t.definition)?.[0]?.['CreateTrigStmt'] as Node | undefined;
  if (!create?.['whenClause']) return null;
  const writes = [...body.writes];
  const calls = [...body.calls];
  const when = new Collector(catalog, [], (rel, events) => writes.push({ rel, events }), (name) => calls.push(name)).collect(create['whenClause']);
  return { keys: [...body.keys, ...when], writes, calls };
}
