import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HintPacket } from '../../../domain/media/hint/hintSample.js';
import { HintSampleCache } from '../../../adapters/rtp/hintSampleCache.js';

const packets = (n: number): HintPacket[] => Array.from({ length: n }, () => ({}) as HintPacket);

test('a parsed hint sample is kept for every session, with one payload slot per packet', () => {
  const cache = new HintSampleCache(8);
  const added = cache.add(3, packets(4));
  assert.equal(cache.get(3), added);
  assert.equal(added.payloads.length, 4);
  assert.ok(added.payloads.every((p) => p === undefined));
});

test('the cache is bounded: the oldest sample goes first', () => {
  const cache = new HintSampleCache(2);
  cache.add(0, packets(1));
  cache.add(1, packets(1));
  cache.add(2, packets(1));
  assert.equal(cache.get(0), undefined);
  assert.ok(cache.get(1));
  assert.ok(cache.get(2));
});
