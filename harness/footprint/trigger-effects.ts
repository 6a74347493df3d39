// What the user triggers fired by a write touch, per table and kind of write: each trigger's
// PL/pgSQL body footprinted once, then closed over the writes of those bodies (triggers firing
// triggers, cascades to linked tables). A trigger we cannot read makes the write touch everything.
import { SQL_ANYTHING, type Footprint } from './footprint.ts';
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

/** The trigger effects of every table a trigger can reach, by kind of write; tables absent have none. */
export function triggerEffects(catalog: SqlCatalog, triggers: readonly (TriggerRow & { readonly on: string })[]): Map<string, Record<TriggerEvent, Footprint>> {
  const effects = new Map<string, Record<TriggerEvent, Footprint>>();
  if (triggers.length === 0) return effects;
  const bodies = new Map<number, BodyFootprint | null>();
  const graph = new Map<string, EffectNode>();
  for (const t of triggers) {
    const footprint = triggerFootprint(t, catalog, bodies);
    for (const event of TRIGGER_EVENTS) {
      if ((t.type & EVENT_BITS[event]) === 0) continue;
      const id = nodeId(t.on, event);
      const node = graph.get(id) ?? { opaque: false, keys: new Set<string>(), next: new Set<string>() };
      graph.set(id, node);
      if (!footprint) {
        node.opaque = true;
        continue;
      }
      for (const k of footprint.keys) node.keys.add(k);
      for (const w of footprint.writes) for (const n of firedBy(w.rel, w.events)) node.next.add(n);
    }
  }
  for (const rel of catalog.relations.values()) {
    const byEvent = Object.fromEntries(TRIGGER_EVENTS.map((e) => [e, closure(graph, firedBy(rel, [e]))])) as Record<TriggerEvent, Footprint>;
    if (TRIGGER_EVENTS.some((e) => byEvent[e].length > 0)) effects.set(rel.qualified, byEvent);
  }
  return effects;
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
    if (!node) continue;
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
  const when = new Collector(catalog, [], (rel, events) => writes.push({ rel, events })).collect(create['whenClause']);
  return { keys: [...body.keys, ...when], writes };
}
