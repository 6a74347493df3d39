// Splits a PostgreSQL v3 byte stream into whole messages (a type byte, then an int32 length that
// counts itself), keeping each message's raw bytes so the gate can forward it unchanged.

/** One whole message: its type byte, its body (after the length) and its raw bytes. */
export interface Frame {
  readonly type: number;
  readonly body: Buffer;
  readonly raw: Buffer;
}

/** The largest message the gate accepts; PostgreSQL itself caps most messages at 1 GB. */
const MAX_FRAME = 1 << 30;

/**
 * Accumulates chunks and yields whole frames. `untyped` frames (the startup packet, an SSL or
 * cancel request) have no type byte; the gate asks for them until the session starts.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks behind `buffer`, joined only once a whole frame is there (a large row arrives in many). */
  private pending: Buffer[] = [];
  private pendingLength = 0;

  push(chunk: Buffer): void {
    if (this.buffer.length === 0 && this.pending.length === 0) this.buffer = chunk;
    else {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
    }
  }

  /** Makes `buffer` hold at least `n` bytes if they have arrived; false if not yet. */
  private have(n: number): boolean {
    if (this.buffer.length >= n) return true;
    if (this.buffer.length + this.pendingLength < n) return false;
    this.buffer = Buffer.concat([this.buffer, ...this.pending]);
    this.pending = [];
    this.pendingLength = 0;
    return true;
  }

  /** The next typed frame, or null until more bytes arrive. Throws on a length no peer would send. */
  next(): Frame | null {
    if (!this.have(5)) return null;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_FRAME) throw new Error(`invalid message length ${length}`);
    if (!this.have(length + 1)) return null;
    const raw = this.buffer.subarray(0, length + 1);
    this.buffer = this.buffer.subarray(length + 1);
    return { type: raw[0]!, body: raw.subarray(5), raw };
  }

  /** The next untyped frame's body (after its length), or null until more bytes arrive. */
  nextUntyped(): Buffer | null {
    if (!this.have(4)) return null;
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > 10_000) throw new Error(`invalid startup packet length ${length}`);
    if (!this.have(length)) return null;
    const body = this.buffer.subarray(4, length);
    this.buffer = this.buffer.subarray(length);
    return body;
  }

  /** How many bytes are received but not yet framed (a part of a message). */
  get buffered(): number {
    return this.buffer.length + this.pendingLength;
  }

  /** Bytes received but not yet framed. */
  rest(): Buffer {
    const rest = Buffer.concat([this.buffer, ...this.pending]);
    this.buffer = Buffer.alloc(0);
    this.pending = [];
    this.pendingLength = 0;
    return rest;
  }
}

/** Reads cstrings and integers from a message body. */
export class BodyReader {
  private offset = 0;

  constructor(private readonly body: Buffer) {}

  int16(): number {
    const v = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    const v = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    const v = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  byte(): number {
    const v = this.body[this.offset];
    if (v === undefined) throw new Error('message ends early');
    this.offset += 1;
    return v;
  }

  /** A NUL-terminated string, read as UTF-8 or with `read` (a client's SQL in its own encoding). */
  cstring(read?: (bytes: Buffer) => string): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new Error('unterminated string in message');
    const s = read ? read(this.body.subarray(this.offset, end)) : this.body.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    if (this.offset + n > this.body.length) throw new Error('message ends early');
    const b = this.body.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  get remaining(): number {
    return this.body.length - this.offset;
  }
}
