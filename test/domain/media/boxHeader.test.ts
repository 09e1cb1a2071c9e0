import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { children, rootBox } from '../../../domain/media/mp4/box.js';
import { parseBoxHeader } from '../../../domain/media/mp4/boxHeader.js';

function box(type: string, body: Buffer | number[] = []): Buffer {
  const b = Buffer.from(body);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + b.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, b]);
}

describe('parseBoxHeader', () => {
  it('reads a 32-bit size and type', () => {
    assert.deepEqual(parseBoxHeader(box('free', [1, 2, 3]), 100, 50), { type: 'free', offset: 100, headerSize: 8, size: 11 });
  });

  it('reads a 64-bit largesize', () => {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(1, 0);
    h.write('mdat', 4, 'latin1');
    h.writeBigUInt64BE(5_000_000_000n, 8);
    assert.deepEqual(parseBoxHeader(h, 0, 6_000_000_000), { type: 'mdat', offset: 0, headerSize: 16, size: 5_000_000_000 });
  });

  it('size 0 extends to the end of the parent', () => {
    const h = Buffer.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74]);
    assert.equal(parseBoxHeader(h, 40, 1234).size, 1234);
  });

  it("'uuid' adds the 16-byte extended type", () => {
    const ext = Buffer.alloc(16, 0xab);
    const b = Buffer.concat([box('uuid', ext)]);
    const h = parseBoxHeader(b, 0, b.length);
    assert.equal(h.headerSize, 24);
    assert.equal(h.extendedType, 'ab'.repeat(16));
    // From a 16-byte read the size and header size are still right.
    const short = parseBoxHeader(b.subarray(0, 16), 0, b.length);
    assert.equal(short.headerSize, 24);
    assert.equal(short.extendedType, undefined);
  });

  it('refuses sizes smaller than the header, past the parent, or truncated headers', () => {
    const tooSmall = box('free');
    tooSmall.writeUInt32BE(7, 0);
    assert.throws(() => parseBoxHeader(tooSmall, 0, 8), MovieFormatError);
    assert.throws(() => parseBoxHeader(box('free', [1, 2]), 0, 9), MovieFormatError);
    assert.throws(() => parseBoxHeader(Buffer.from([0, 0, 0, 1, 0x6d, 0x64, 0x61, 0x74]), 0, 100), MovieFormatError);
    assert.throws(() => parseBoxHeader(Buffer.alloc(4), 0, 4), MovieFormatError);
    const huge = Buffer.alloc(16);
    huge.writeUInt32BE(1, 0);
    huge.write('mdat', 4, 'latin1');
    huge.writeBigUInt64BE(2n ** 62n, 8);
    assert.throws(() => parseBoxHeader(huge, 0, Number.MAX_SAFE_INTEGER), MovieFormatError);
  });
});

describe('children', () => {
  it('iterates children and tolerates a QuickTime zero terminator', () => {
    const parent = box('udta', Buffer.concat([box('name', [65]), box('hnti'), Buffer.alloc(4)]));
    assert.deepEqual([...children(rootBox(parent, 'udta'))].map((c) => c.path), ['udta/name', 'udta/hnti']);
  });

  it('refuses a child running past its parent, and stray bytes', () => {
    const inner = box('name', [1, 2, 3, 4]);
    inner.writeUInt32BE(100, 0);
    assert.throws(() => [...children(rootBox(box('udta', inner), 'udta'))], (err: unknown) => {
      assert.ok(err instanceof MovieFormatError);
      assert.match(err.box, /^udta/);
      return true;
    });
    assert.throws(() => [...children(rootBox(box('udta', [1, 2, 3]), 'udta'))], MovieFormatError);
  });

  it('caps nesting depth', () => {
    let nested = box('free');
    for (let i = 0; i < 40; i++) nested = box('wave', nested);
    const walk = (b: ReturnType<typeof rootBox>): number => {
      let depth = b.depth;
      for (const c of children(b)) depth = Math.max(depth, walk(c));
      return depth;
    };
    assert.throws(() => walk(rootBox(nested, 'wave')), /nested deeper/);
  });
});
