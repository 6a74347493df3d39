// Framing: however the bytes are cut into chunks, the same whole messages come out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../harness/gate/message-frames.ts';

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

describe('FrameReader', () => {
  it('yields the same frames whatever the chunking', () => {
    const frames = fc.array(fc.tuple(fc.constantFrom('Q', 'P', 'B', 'D', 'S'), fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(frames, fc.array(fc.nat(), { maxLength: 30 }), (list, cuts) => {
        const bytes = Buffer.concat(list.map(([t, b]) => frame(t, Buffer.from(b))));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader();
        const out: [string, Buffer][] = [];
        let from = 0;
        for (const to of [...points, bytes.length]) {
          reader.push(bytes.subarray(from, to));
          from = to;
          for (let f = reader.next(); f; f = reader.next()) out.push([String.fromCharCode(f.type), Buffer.from(f.body)]);
        }
        expect(out).toEqual(list.map(([t, b]) => [t, Buffer.from(b)]));
        expect(reader.rest().length).toBe(0);
      }),
    );
  });

  it('refuses a length no peer would send', () => {
    const reader = new FrameReader();
    reader.push(Buffer.from([0x51, 0, 0, 0, 2]));
    expect(() => reader.next()).toThrow('invalid message length 2');
  });
});
