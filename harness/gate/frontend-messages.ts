// The client's side of the protocol, parsed: the startup packet and the typed messages a session
// sends. pg-protocol only parses what a server sends (its Parser) and builds what a client sends
// (serialize), so reading a client's messages is ours; the framing is a few lines.
import { BodyReader, type Frame } from './message-frames.ts';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** What a client may open a connection with. */
export type StartupPacket =
  | { readonly kind: 'ssl' }
  | { readonly kind: 'gssenc' }
  /** `key` is the packet after its code: the backend pid and the secret, forwarded unchanged. */
  | { readonly kind: 'cancel'; readonly pid: number; readonly key: Buffer }
  | { readonly kind: 'startup'; readonly major: number; readonly minor: number; readonly parameters: ReadonlyMap<string, string> }
  | { readonly kind: 'unsupported'; readonly code: number };

/** Parses an untyped startup frame's body (after its length). */
export function parseStartupPacket(body: Buffer): StartupPacket {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === SSL_REQUEST) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST) return { kind: 'cancel', pid: body.readInt32BE(4), key: body.subarray(4) };
  const major = code >> 16;
  const minor = code & 0xffff;
  if (major !== 3) return { kind: 'unsupported', code };
  const parameters = new Map<string, string>();
  while (r.remaining > 1) {
    const name = r.cstring();
    if (name === '') break;
    parameters.set(name, r.cstring());
  }
  return { kind: 'startup', major, minor, parameters };
}

export type TargetKind = 'S' | 'P';

/** A typed message of a started session, with its raw bytes for forwarding. */
export type FrontendMessage =
  | { readonly type: 'query'; readonly sql: string; readonly raw: Buffer }
  | { readonly type: 'parse'; readonly name: string; readonly sql: string; readonly paramTypes: readonly number[]; readonly raw: Buffer }
  | {
      readonly type: 'bind';
      readonly portal: string;
      readonly statement: string;
      /** One format code per value (0 text, 1 binary), already expanded from the 0/1/n forms. */
      readonly formats: readonly number[];
      readonly values: readonly (Buffer | null)[];
      /** Result-column format codes as sent: none (all text), one for all, or one per column. */
      readonly resultFormats: readonly number[];
      readonly raw: Buffer;
    }
  | { readonly type: 'describe'; readonly target: TargetKind; readonly name: string; readonly raw: Buffer }
  | { readonly type: 'execute'; readonly portal: string; readonly maxRows: number; readonly raw: Buffer }
  | { readonly type: 'close'; readonly target: TargetKind; readonly name: string; readonly raw: Buffer }
  | { readonly type: 'flush' | 'sync' | 'terminate' | 'copy-data' | 'copy-done' | 'copy-fail' | 'function-call'; readonly raw: Buffer }
  | { readonly type: 'password'; readonly body: Buffer; readonly raw: Buffer }
  | { readonly type: 'unknown'; readonly code: number; readonly raw: Buffer };

function target(byte: number): TargetKind {
  const c = String.fromCharCode(byte);
  if (c !== 'S' && c !== 'P') throw new Error(`invalid Describe/Close target '${c}'`);
  return c;
}

/** Format codes for `count` items from the protocol's forms: none (all text), one for all, one each. */
export function expandFormats(codes: readonly number[], count: number): number[] {
  return Array.from({ length: count }, (_, i) => (codes.length === 0 ? 0 : codes.length === 1 ? codes[0]! : codes[i] ?? 0));
}

function parseBind(frame: Frame): FrontendMessage {
  const r = new BodyReader(frame.body);
  const portal = r.cstring();
  const statement = r.cstring();
  const formatCount = r.int16();
  const declared: number[] = [];
  for (let i = 0; i < formatCount; i++) declared.push(r.int16());
  const valueCount = r.int16();
  const values: (Buffer | null)[] = [];
  for (let i = 0; i < valueCount; i++) {
    const len = r.int32();
    values.push(len < 0 ? null : Buffer.from(r.bytes(len)));
  }
  const resultFormats: number[] = [];
  const resultCount = r.int16();
  for (let i = 0; i < resultCount; i++) resultFormats.push(r.int16());
  return { type: 'bind', portal, statement, formats: expandFormats(declared, values.length), values, resultFormats, raw: frame.raw };
}

/**
 * Parses one typed frame a client sent after startup; SQL text is read with `readText` (the
 * client's encoding; names stay UTF-8, only ever matched with each other). Throws on a malformed body.
 */
export function parseFrontendMessage(frame: Frame, readText?: (bytes: Buffer) => string): FrontendMessage {
  const { raw } = frame;
  switch (String.fromCharCode(frame.type)) {
    case 'Q':
      return { type: 'query', sql: new BodyReader(frame.body).cstring(readText), raw };
    case 'P': {
      const r = new BodyReader(frame.body);
      const name = r.cstring();
      const sql = r.cstring(readText);
      const count = r.int16();
      const paramTypes: number[] = [];
      for (let i = 0; i < count; i++) paramTypes.push(r.uint32());
      return { type: 'parse', name, sql, paramTypes, raw };
    }
    case 'B':
      return parseBind(frame);
    case 'D': {
      const r = new BodyReader(frame.body);
      return { type: 'describe', target: target(r.byte()), name: r.cstring(), raw };
    }
    case 'E': {
      const r = new BodyReader(frame.body);
      return { type: 'execute', portal: r.cstring(), maxRows: r.int32(), raw };
    }
    case 'C': {
      const r = new BodyReader(frame.body);
      return { type: 'close', target: target(r.byte()), name: r.cstring(), raw };
    }
    case 'H':
      return { type: 'flush', raw };
    case 'S':
      return { type: 'sync', raw };
    case 'X':
      return { type: 'terminate', raw };
    case 'd':
      return { type: 'copy-data', raw };
    case 'c':
      return { type: 'copy-done', raw };
    case 'f':
      return { type: 'copy-fail', raw };
    case 'F':
      return { type: 'function-call', raw };
    case 'p':
      return { type: 'password', body: frame.body, raw };
    default:
      return { type: 'unknown', code: frame.type, raw };
  }
}
