import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPooledChunk, SmallBytesArena } from '../../../adapters/rtp/smallBytesArena.js';

test('copies keep their bytes and no longer share Node’s allocation pool', () => {
  const arena = new SmallBytesArena();
  const pooled = Buffer.from([0x7c, 0x85]);
  assert.ok(isPooledChunk(pooled), 'a two-byte Buffer.from is a pool slice');
  const copies = Array.from({ length: 20_000 }, (_, i) => arena.copy(Buffer.from([i & 0xff, i >> 8])));
  copies.forEach((copy, i) => assert.deepEqual([...copy], [i & 0xff, i >> 8]));
  assert.ok(copies.every((copy) => !isPooledChunk(copy)));
});

test('large buffers are not taken for pool slices', () => {
  assert.equal(isPooledChunk(Buffer.alloc(64 * 1024).subarray(0, 10)), false);
});

test('keep: a chunk list with no pool slice is kept as it is; pool slices in one are copied, the rest shared', () => {
  const arena = new SmallBytesArena();
  const big = Buffer.alloc(64 * 1024, 7).subarray(0, 1000);
  const unpooled = [big];
  assert.equal(arena.keep(unpooled), unpooled);
  const header = Buffer.from([0x7c, 0x85]);
  const kept = arena.keep([header, big]);
  assert.deepEqual([...kept[0]!], [0x7c, 0x85]);
  assert.ok(!isPooledChunk(kept[0]!));
  assert.equal(kept[1], big);
});
