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
