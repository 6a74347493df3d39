// A statement's exact answer, as the isolation tester sees it through libpq: every result of a
// (possibly multi-statement) simple query in order, with column names and values as PostgreSQL's
// text, the results that came before an error kept, the error's severity and primary message,
// and the notices and notifications the session received meanwhile. pg's own Query drops the
// earlier results when a later statement fails, so this is a pg "submittable" of its own.

/** One result: a row set (values as PostgreSQL's text, null for NULL) or a command without rows. */
export type RawResult =
  | { readonly kind: 'rows'; readonly fields: readonly string[]; readonly rows: readonly (readonly (string | null)[])[]; readonly command: string }
  | { readonly kind: 'command'; readonly command: string };

export interface RawSqlError {
  /** `ERROR`, `FATAL` ... as the server sent it (not localized by the harness). */
  readonly severity: string;
  readonly message: string;
  readonly sqlState: string | null;
  readonly detail?: string;
  readonly hint?: string;
}

export interface RawNotice {
  readonly severity: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

export interface RawNotification {
  readonly channel: string;
  readonly payload: string;
  /** Backend pid of the notifying session. */
  readonly processId: number;
}

export interface RawQueryResult {
  readonly results: readonly RawResult[];
  /** The error that ended the query, after `results` of the statements before it. */
  readonly error: RawSqlError | null;
  /** Notifications the session had received by the time the query completed. */
  readonly notifications: readonly RawNotification[];
  /** The session's backend pid (names the sender of a notification). */
  readonly backendPid: number;
}

/** A session that answers raw queries; `onNotice` hears each notice as it arrives. */
export interface RawSqlClient {
  queryRaw(text: string, label: string, onNotice?: (notice: RawNotice) => void): Promise<RawQueryResult>;
}

interface FieldMsg {
  readonly name: string;
}
interface ProtocolError {
  readonly message?: string;
  readonly severity?: string;
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** The pg submittable: pg calls these handlers as the server's messages arrive. */
export class RawQuery {
  readonly results: RawResult[] = [];
  private fields: string[] | null = null;
  private rows: (string | null)[][] = [];
  private settle: ((error: RawSqlError | null) => void) | null = null;
  /** Resolves when the server is done with the query (its error, if any). */
  readonly done: Promise<RawSqlError | null>;

  constructor(readonly text: string) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  submit(connection: { query(text: string): void }): null {
    // The simple query protocol, as libpq's PQsendQuery: several statements allowed.
    connection.query(this.text);
    return null;
  }

  handleRowDescription(msg: { fields: readonly FieldMsg[] }): void {
    this.fields = msg.fields.map((f) => f.name);
    this.rows = [];
  }

  handleDataRow(msg: { fields: readonly (string | null)[] }): void {
    // Text format: each value arrives as PostgreSQL printed it.
    this.rows.push(msg.fields.map((v) => (v === null ? null : String(v))));
  }

  handleCommandComplete(msg: { text: string }): void {
    this.results.push(this.fields ? { kind: 'rows', fields: this.fields, rows: this.rows, command: msg.text } : { kind: 'command', command: msg.text });
    this.fields = null;
    this.rows = [];
  }

  handleEmptyQuery(): void {}

  handleError(err: ProtocolError): void {
    // A row set interrupted by the error is not a result; pg stops delivering after this.
    this.fields = null;
    this.finish({
      severity: err.severity ?? 'ERROR',
      message: err.message ?? String(err),
      sqlState: typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : null,
      ...(err.detail ? { detail: err.detail } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    });
  }

  handleReadyForQuery(): void {
    this.finish(null);
  }

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: { sendCopyFail(msg: string): void }): void {
    connection.sendCopyFail('COPY FROM STDIN is not supported in a scheduled step');
  }

  handleCopyData(): void {}

  private finish(error: RawSqlError | null): void {
    const s = this.settle;
    this.settle = null;
    s?.(error);
  }
}
