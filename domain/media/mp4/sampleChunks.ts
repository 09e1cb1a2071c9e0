/**
 * Chunk arithmetic on a flattened SampleTable. QuickTime sound can address bytes from
 * the start of a chunk (hint constructors with compressed blocks; version 0 sound
 * tables whose sample size 1 counts frames, not bytes), so callers need the chunk that
 * holds a sample and where it starts.
 */
import type { SampleTable } from '../movie.js';

/** The 0-based index of the first sample of the chunk holding `sampleIndex`. */
export function chunkFirstSample(samples: SampleTable, sampleIndex: number): number {
  const firsts = samples.chunkFirstSamples;
  if (firsts !== undefined && firsts.length > 0) {
    // The last chunk starting at or before the sample (empty chunks share a start; the last one holds it).
    let lo = 0;
    let hi = firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (firsts[mid]! <= sampleIndex) lo = mid;
      else hi = mid - 1;
    }
    return firsts[lo]!;
  }
  // Synthesized tables have no chunks: a run of back-to-back samples stands for one.
  const { offsets, sizes } = samples;
  let s = sampleIndex;
  while (s > 0 && offsets[s - 1]! + sizes[s - 1]! === offsets[s]!) s--;
  return s;
}
