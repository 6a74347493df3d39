// One connection's named prepared statements and portals, as the server holds them: a driver's
// statement cache (asyncpg's `__asyncpg_stmt_N__`, psycopg's `_pg3_N`) binds a statement parsed
// steps ago, and the gate must still know its SQL text and parameter types.
import type { WireValue } from './wire-values.ts';

/** A result column as the server described it. */
export interface ResultColumn {
  readonly name: string;
  readonly typeOid: number;
}

export interface PreparedStatement {
  readonly name: string;
  readonly sql: string;
  /** Parameter type OIDs: what Parse declared (0 = unspecified), then what the server described. */
  readonly paramTypes: readonly number[];
  /** Its result columns, once a Describe of the statement was answered. */
  readonly columns?: readonly ResultColumn[];
}

export interface BoundPortal {
  readonly name: string;
  /** Undefined when the client bound a statement the gate never saw parsed. */
  readonly statement: PreparedStatement | undefined;
  readonly values: readonly WireValue[];
  /** Result format codes as Bind sent them (none, one for all, or one per column). */
  readonly resultFormats: readonly number[];
}

/** Lookups the step description reads; a batch's own Parse and Bind shadow the committed state. */
export interface StatementLookup {
  statement(name: string): PreparedStatement | undefined;
  portal(name: string): BoundPortal | undefined;
}

/**
 * What the server acknowledged: a statement enters at ParseComplete, its types at
 * ParameterDescription, a portal at BindComplete, and both leave at CloseComplete.
 */
export class StatementCache implements StatementLookup {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, BoundPortal>();

  statement(name: string): PreparedStatement | undefined {
    return this.statements.get(name);
  }

  portal(name: string): BoundPortal | undefined {
    return this.portals.get(name);
  }

  parsed(s: PreparedStatement): void {
    this.statements.set(s.name, s);
  }

  described(name: string, types: readonly number[]): void {
    const s = this.statements.get(name);
    if (s) this.statements.set(name, { ...s, paramTypes: types.map((t, i) => (t !== 0 ? t : s.paramTypes[i] ?? 0)) });
  }

  describedColumns(name: string, columns: readonly ResultColumn[]): void {
    const s = this.statements.get(name);
    if (s) this.statements.set(name, { ...s, columns });
  }

  bound(p: BoundPortal): void {
    this.portals.set(p.name, p);
  }

  closed(target: 'S' | 'P', name: string): void {
    if (target === 'S') this.statements.delete(name);
    else this.portals.delete(name);
  }

  /**
   * SQL of the connection may have prepared or deallocated statements by name (PREPARE,
   * DEALLOCATE, DISCARD): what the gate knows of any name may be stale, so it knows none; a Bind
   * of one reads as a statement the gate never saw, until a Parse names it again.
   */
  forgetStatements(): void {
    this.statements.clear();
  }

  /** How many named statements the connection holds (the unnamed one not counted). */
  get size(): number {
    return this.statements.size - (this.statements.has('') ? 1 : 0);
  }
}

/** A batch's view: its own Parse and Bind messages first, then what the server holds. */
export class BatchLookup implements StatementLookup {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, BoundPortal>();

  constructor(private readonly committed: StatementLookup) {}

  statement(name: string): PreparedStatement | undefined {
    return this.statements.get(name) ?? this.committed.statement(name);
  }

  portal(name: string): BoundPortal | undefined {
    return this.portals.get(name) ?? this.committed.portal(name);
  }

  parse(s: PreparedStatement): void {
    this.statements.set(s.name, s);
  }

  bind(p: BoundPortal): void {
    this.portals.set(p.name, p);
  }
}
