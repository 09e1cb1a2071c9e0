import assert from 'node:assert/strict';
import type { FrameHashes } from './framemd5.js';

/**
 * Checks that what a live reader received came from the source, in order, with none
 * skipped: decoded video frames (exact once the first key frame arrives), and the
 * compressed audio frames themselves. Audio is compared compressed because AAC
 * decoding carries state across frames: a decode that joins mid-stream never matches
 * a cold decode bit for bit (neither does `ffmpeg -ss` on the file itself).
 * Hash both sides with `LIVE_HASH_ARGS` as output arguments.
 */
export const LIVE_HASH_ARGS = [
  '-c:a',
  'copy',
  // Every decoded frame is hashed. framemd5's default (variable frame rate) drops a frame
  // whose output timestamp repeats the one before, which a reader joining mid-stream can
  // produce when the first RTCP sender report re-anchors its clock: seen as a key frame
  // missing from a reader's hashes while the B-frames that reference it decoded exactly.
  '-vsync',
  'passthrough',
];

function assertInSourceOrder(got: readonly string[], expected: readonly string[], label: string, minimum: number): void {
  assert.ok(got.length >= minimum, `${label}: ${got.length} frames`);
  let at = expected.indexOf(got[0]!);
  assert.ok(at >= 0, `${label}: first frame is not a source frame`);
  for (let i = 1; i < got.length; i++) {
    at = (at + 1) % expected.length;
    assert.equal(got[i], expected[at], `${label}: frame ${i} is not the next source frame`);
  }
}

export function assertFramesFromSource(remote: FrameHashes, source: FrameHashes, label: string, minVideoFrames = 10): void {
  assertInSourceOrder(remote.streams.get(0) ?? [], source.streams.get(0)!, `${label} video`, minVideoFrames);
  assertInSourceOrder(remote.streams.get(1) ?? [], source.streams.get(1)!, `${label} audio`, 10);
}
