// The server's side of the protocol: decoding what the real server sends (pg-protocol's Parser,
// fed one whole frame at a time) and building the few messages the gate answers with itself.
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { Frame } from './message-frames.ts';

const parser = new Parser();

/** Decodes one whole backend frame. pg-protocol parses synchronously, so one parser serves all. */
export function decodeBackend(frame: Frame): BackendMessage {
  let decoded: BackendMessage | undefined;
  parser.parse(frame.raw, (m) => {
    decoded = m;
  });
  if (!decoded) throw new Error(`could not decode server message '${String.fromCharCode(frame.type)}'`);
  return decoded;
}

/** The fields of an ErrorResponse or NoticeResponse the gate reads. */
export interface ServerError {
  readonly severity: string;
  readonly sqlState: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** The error fields of a decoded ErrorResponse (pg-protocol gives it as a DatabaseError). */
export function serverErrorOf(m: BackendMessage): ServerError {
  const e = m as BackendMessage & { message?: string; severity?: string; code?: string; detail?: string; hint?: string };
  return {
    severity: e.severity ?? 'ERROR',
    sqlState: e.code ?? 'XX000',
    message: e.message ?? '',
    ...(e.detail !== undefined ? { detail: e.detail } : {}),
    ...(e.hint !== undefined ? { hint: e.hint } : {}),
  };
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

/** An ErrorResponse (or, with `notice`, a NoticeResponse). */
export function errorResponse(e: ServerError, notice = false): Buffer {
  const fields: Buffer[] = [];
  const field = (code: string, value: string | undefined) => {
    if (value !== undefined) fields.push(Buffer.from(code, 'latin1'), cstring(value));
  };
  field('S', e.severity);
  field('V', e.severity);
  field('C', e.sqlState);
  field('M', e.message);
  field('D', e.detail);
  field('H', e.hint);
  fields.push(Buffer.from([0]));
  return message(notice ? 'N' : 'E', Buffer.concat(fields));
}

export type TxStatus = 'I' | 'T' | 'E';

export function readyForQuery(status: TxStatus): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}

export function authenticationOk(): Buffer {
  return message('R', int32(0));
}

export function authenticationCleartextPassword(): Buffer {
  return message('R', int32(3));
}

export function authenticationMd5Password(salt: Buffer): Buffer {
  return message('R', Buffer.concat([int32(5), salt]));
}

/** Tells a client that asked for a newer minor version or `_pq_` options what the gate speaks. */
export function negotiateProtocolVersion(minor: number, unrecognized: readonly string[]): Buffer {
  return message('v', Buffer.concat([int32(minor), int32(unrecognized.length), ...unrecognized.map(cstring)]));
}

/** The one-byte answer to SSLRequest and GSSENCRequest: not here, go on in plain text. */
export const NOT_SUPPORTED_BYTE = Buffer.from('N', 'latin1');
