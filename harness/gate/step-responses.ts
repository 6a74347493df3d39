// Follows the server's answer to one released step: which message each response belongs to (so
// the statement cache learns what the server accepted), the command tags, the error, the end
// (ReadyForQuery, or the last owed response of a Flush), and COPY, which the gate refuses.
import { serialize } from 'pg-protocol';
import type { ParameterDescriptionMessage, RowDescriptionMessage } from 'pg-protocol/dist/messages.js';
import { decodeBackend, errorResponse, serverErrorOf, type TxStatus } from './backend-messages.ts';
import { expandFormats } from './frontend-messages.ts';
import { BodyReader, type Frame } from './message-frames.ts';
import type { ResultColumn, StatementCache } from './statement-cache.ts';
import type { Expectation, StepEnd } from './wire-step.ts';
import { decodeBinary, type WireValue } from './wire-values.ts';

export interface StepError {
  readonly sqlState: string;
  readonly message: string;
  readonly severity: string;
  readonly detail?: string;
}

/** Rows a statement returned (only when the gate was asked to capture them). */
export interface ResultSet {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly WireValue[])[];
}

/** How a step ended. */
export interface StepOutcome {
  /** From ReadyForQuery: idle, in a transaction, or in a failed one; null when the step ended at a Flush. */
  readonly txStatus: TxStatus | null;
  readonly error?: StepError;
  /** CommandComplete tags in order (`INSERT 0 1`, `SELECT 3`, `BEGIN`). */
  readonly commandTags: readonly string[];
  readonly resultSets?: readonly ResultSet[];
  /** False when the gate answered the step itself (refused, or cancelled while it was held). */
  readonly sent: boolean;
  /** What the gate refused in this step (`COPY FROM STDIN`), when it did. */
  readonly unsupported?: string;
}

/** Where the tracker sends bytes: on to the client, or back to the server. */
export interface StepSink {
  client(bytes: Buffer): void;
  server(bytes: Buffer): void;
}

const T = (c: string) => c.charCodeAt(0);
const PARSE_COMPLETE = T('1');
const BIND_COMPLETE = T('2');
const CLOSE_COMPLETE = T('3');
const COMMAND_COMPLETE = T('C');
const DATA_ROW = T('D');
const ERROR = T('E');
const COPY_IN = T('G');
const COPY_OUT = T('H');
const EMPTY_QUERY = T('I');
const ROW_DESCRIPTION = T('T');
const COPY_BOTH = T('W');
const READY = T('Z');
const NO_DATA = T('n');
const PORTAL_SUSPENDED = T('s');
const PARAMETER_DESCRIPTION = T('t');

export const UNSUPPORTED_SQLSTATE = '0A000';

/** The gate's answer for a feature it does not carry. */
export function unsupportedError(what: string, advice: string): StepError {
  return { severity: 'ERROR', sqlState: UNSUPPORTED_SQLSTATE, message: `${what} is not supported through the harness's wire gate: ${advice}` };
}

const COPY_ADVICE: Record<string, string> = {
  'COPY FROM STDIN': 'the rows would enter outside any scheduled step; insert them with INSERT, or load them in the scenario setup',
  'COPY TO STDOUT': 'read the rows with SELECT',
  'COPY BOTH': 'replication streams cannot be scheduled',
};

interface OpenResultSet {
  readonly columns: readonly string[];
  readonly types: readonly number[];
  readonly formats: readonly number[];
  readonly rows: WireValue[][];
}

export class StepResponses {
  private readonly pending: Expectation[];
  private error: StepError | undefined;
  private readonly tags: string[] = [];
  private txStatus: TxStatus | null = null;
  private refusing: { readonly what: string; readonly inbound: boolean } | null = null;
  private readonly sets: ResultSet[] = [];
  private open: OpenResultSet | null = null;
  private captured = 0;
  /** True once the step's last owed response went to the client. */
  done = false;
  /** A refused COPY is over on the server's side (its error, or its end): only the Sync is owed. */
  private refusalOver = false;

  constructor(
    private readonly end: StepEnd,
    expectations: readonly Expectation[],
    private readonly cache: StatementCache,
    private readonly sink: StepSink,
    /** Rows to keep per step (0: none). */
    private readonly captureRows: number,
  ) {
    this.pending = [...expectations];
    // A lone Flush owes nothing.
    if (end === 'flush' && this.pending.length === 0) this.done = true;
  }

  outcome(): StepOutcome {
    return {
      txStatus: this.txStatus,
      ...(this.error ? { error: this.error } : {}),
      commandTags: this.tags,
      ...(this.captureRows > 0 ? { resultSets: this.sets } : {}),
      sent: true,
      ...(this.refusing ? { unsupported: this.refusing.what } : {}),
    };
  }

  /** Every response but the Sync's has come (the batch's end, or an error that skips to it). */
  get awaitingSync(): boolean {
    if (this.refusing) return this.refusalOver;
    return this.pending.length === 1 && this.pending[0]?.kind === 'sync';
  }

  /** Reads one server frame of this step and passes it on (or not). */
  read(frame: Frame): void {
    if (this.refusing) return this.whileRefusing(frame);
    const type = frame.type;
    const head = this.pending[0];
    switch (type) {
      case COPY_IN:
      case COPY_OUT:
      case COPY_BOTH: {
        const what = type === COPY_OUT ? 'COPY TO STDOUT' : type === COPY_IN ? 'COPY FROM STDIN' : 'COPY BOTH';
        this.refusing = { what, inbound: type !== COPY_OUT };
        this.error = unsupportedError(what, COPY_ADVICE[what]!);
        // The server waits for data the client will never send: end the COPY from our side.
        if (this.refusing.inbound) this.sink.server(serialize.copyFail(this.error.message));
        return;
      }
      case PARSE_COMPLETE:
        if (head?.kind === 'parse') (this.cache.parsed(head.statement), this.pending.shift());
        break;
      case BIND_COMPLETE:
        if (head?.kind === 'bind') (this.cache.bound(head.portal), this.pending.shift());
        break;
      case CLOSE_COMPLETE:
        if (head?.kind === 'close') (this.cache.closed(head.target, head.name), this.pending.shift());
        break;
      case PARAMETER_DESCRIPTION:
        if (head?.kind === 'describe' && head.target === 'S') {
          this.cache.described(head.name, (decodeBackend(frame) as ParameterDescriptionMessage).dataTypeIDs);
        }
        break;
      case ROW_DESCRIPTION:
        this.rowDescription(frame, head);
        break;
      case NO_DATA:
        if (head?.kind === 'describe') this.pending.shift();
        break;
      case DATA_ROW:
        if (this.captureRows > 0) this.dataRow(frame, head);
        break;
      case COMMAND_COMPLETE:
        this.tags.push(new BodyReader(frame.body).cstring());
        this.closeResultSet();
        if (head?.kind === 'execute') this.pending.shift();
        break;
      case EMPTY_QUERY:
      case PORTAL_SUSPENDED:
        this.closeResultSet();
        if (head?.kind === 'execute') this.pending.shift();
        break;
      case ERROR: {
        this.error = serverErrorOf(decodeBackend(frame));
        this.closeResultSet();
        // The server skips the rest of the batch up to its Sync.
        while (this.pending.length > 0 && this.pending[0]!.kind !== 'sync') this.pending.shift();
        this.sink.client(frame.raw);
        if (this.end === 'flush') this.done = true;
        return;
      }
      case READY:
        this.txStatus = String.fromCharCode(frame.body[0] ?? 73) as TxStatus;
        if (head?.kind === 'sync') this.pending.shift();
        this.sink.client(frame.raw);
        if (this.end !== 'flush') this.done = true;
        return;
      default:
        break;
    }
    this.sink.client(frame.raw);
    if (this.end === 'flush' && this.pending.length === 0) this.done = true;
  }

  /** Swallows the COPY's traffic; the client gets the gate's error where it expects an answer. */
  private whileRefusing(frame: Frame): void {
    const refusal = errorResponse(this.error!);
    if (frame.type === READY) {
      this.txStatus = String.fromCharCode(frame.body[0] ?? 73) as TxStatus;
      this.sink.client(refusal);
      this.sink.client(frame.raw);
      this.done = true;
      return;
    }
    if (frame.type === ERROR || frame.type === COMMAND_COMPLETE) this.refusalOver = true;
    // Without a Sync no ReadyForQuery comes: answer once the COPY itself is over.
    if (this.end === 'flush' && frame.type === (this.refusing!.inbound ? ERROR : COMMAND_COMPLETE)) {
      this.sink.client(refusal);
      this.done = true;
    }
  }

  private rowDescription(frame: Frame, head: Expectation | undefined): void {
    const fields = (decodeBackend(frame) as RowDescriptionMessage).fields;
    const columns: ResultColumn[] = fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID }));
    if (head?.kind === 'describe') {
      if (head.target === 'S') this.cache.describedColumns(head.name, columns);
      this.pending.shift();
    }
    // A statement's description carries no formats yet (its Bind chooses them); a portal's does.
    const portalShape = head?.kind !== 'describe' || head.target === 'P';
    if (this.captureRows > 0 && portalShape) {
      this.open = { columns: columns.map((c) => c.name), types: columns.map((c) => c.typeOid), formats: fields.map((f) => (f.format === 'binary' ? 1 : 0)), rows: [] };
    }
  }

  private dataRow(frame: Frame, head: Expectation | undefined): void {
    if (!this.open && head?.kind === 'execute') {
      // Bind+Execute of a statement described in an earlier step (asyncpg): its columns come from the cache.
      const statement = head.portal?.statement;
      const columns = (statement && this.cache.statement(statement.name)?.columns) ?? [];
      this.open = { columns: columns.map((c) => c.name), types: columns.map((c) => c.typeOid), formats: expandFormats(head.portal?.resultFormats ?? [], columns.length), rows: [] };
    }
    if (!this.open || this.captured >= this.captureRows) return;
    const r = new BodyReader(frame.body);
    const count = r.int16();
    const row: WireValue[] = [];
    for (let i = 0; i < count; i++) {
      const len = r.int32();
      if (len < 0) {
        row.push(null);
        continue;
      }
      const bytes = r.bytes(len);
      row.push((this.open.formats[i] ?? 0) === 0 ? bytes.toString('utf8') : decodeBinary(this.open.types[i] ?? 0, Buffer.from(bytes)));
    }
    this.open.rows.push(row);
    this.captured++;
  }

  private closeResultSet(): void {
    if (!this.open) return;
    this.sets.push({ columns: this.open.columns, rows: this.open.rows });
    this.open = null;
  }
}
