// What a `race` command and the resident process say to each other over the resident's socket:
// frames of one kind byte, a 4-byte length and a payload (JSON or the bytes of an output stream).
import type { Socket } from 'node:net';

/** The kinds, each one byte on the wire. */
export const FRAME = {
  /** command → resident: a command to run (ResidentRequest as JSON). */
  request: 0x52,
  /** command → resident: the command got this signal (its name). */
  signal: 0x53,
  /** command → resident: stop now (`race --stop-resident`). */
  stop: 0x58,
  /** a new resident → an older build's: end if idle (a busy one ends when idle, as always). */
  retire: 0x56,
  /** resident → command: bytes for stdout / stderr. */
  out: 0x4f,
  err: 0x45,
  /** resident → command: the command's exit code (JSON). */
  exit: 0x43,
  /**
   * resident → command: not run here; the command runs in its own process. Payload `busy` (with
   * another command: leave it be) or `ending` (the resident is on its way out: start another).
   */
  declined: 0x44,
  /** resident → command: its pid (JSON), the answer to `stop` before it ends. */
  stopping: 0x50,
} as const;

export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

export interface Frame {
  readonly kind: number;
  readonly payload: Buffer;
}

/** What a command hands the resident: everything its own process would have read. */
export interface ResidentRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly umask: number;
  /** Whether the command's stdout / stderr are terminals (colours, progress lines). */
  readonly tty: { readonly out: boolean; readonly err: boolean };
  readonly columns: number | undefined;
  /** How the command was invoked, for the replay commands it prints. */
  readonly command?: string;
}

export function sendFrame(socket: Socket, kind: FrameKind, payload: Buffer | string | number | object): void {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const head = Buffer.alloc(5);
  head[0] = kind;
  head.writeUInt32BE(body.length, 1);
  socket.write(Buffer.concat([head, body]));
}

/** Cuts a byte stream into frames, however the stream split them. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + length) break;
      frames.push({ kind: this.pending[0] as number, payload: this.pending.subarray(5, 5 + length) });
      this.pending = this.pending.subarray(5 + length);
    }
    return frames;
  }
}
