/**
 * Flattens an stbl's tables into the per-sample SampleTable. Every cross-table
 * invariant is checked before the per-sample arrays are allocated: the sample count
 * from stsz must fit the movie's sample budget and match stts and stsc, chunks must
 * exist, and every sample must lie inside the file. Inconsistent tracks are rejected.
 */
import { MovieFormatError, type SampleTable } from '../movie.js';
import { findChild, requireChild, type Box } from './box.js';
import {
  readChunkOffsets,
  readCtts,
  readSampleSizeHeader,
  readSampleSizes,
  readStsc,
  readStss,
  readStts,
  type SampleToChunk,
} from './sampleTableBoxes.js';

/**
 * How many samples one movie may still flatten. The tables cost ~30 bytes a sample, so
 * the default of 2^24 (about 500 MB) bounds memory even for a small moov claiming
 * huge constant-size tables in many tracks; two hours of 60 fps video is 432,000.
 */
export interface SampleBudget {
  remaining: number;
}

export const DEFAULT_SAMPLE_BUDGET = 1 << 24;

export function buildSampleTable(
  stbl: Box,
  descriptionCount: number,
  fileSize: number,
  budget: SampleBudget,
): SampleTable {
  const stszBox = findChild(stbl, 'stsz') ?? findChild(stbl, 'stz2') ?? requireChild(stbl, 'stsz');
  const sizeHeader = readSampleSizeHeader(stszBox);
  const count = sizeHeader.count;
  if (count > budget.remaining) {
    fail(stszBox, `sample count ${count} exceeds the ${budget.remaining} samples this movie may still use`);
  }
  // A constant size does not bound the count by the box length; the file length does.
  if (sizeHeader.constantSize * count > fileSize) {
    fail(stszBox, `${count} samples of ${sizeHeader.constantSize} bytes cannot fit a ${fileSize}-byte file`);
  }

  const sttsBox = requireChild(stbl, 'stts');
  const stts = readStts(sttsBox);
  if (stts.total !== count) fail(sttsBox, `describes ${stts.total} samples but stsz has ${count}`);

  const chunkBox = findChild(stbl, 'stco') ?? findChild(stbl, 'co64') ?? requireChild(stbl, 'stco');
  const chunkOffsets = readChunkOffsets(chunkBox);
  const stscBox = requireChild(stbl, 'stsc');
  const stsc = readStsc(stscBox);
  checkSampleToChunk(stscBox, stsc, chunkOffsets.length, descriptionCount, count);

  const stssBox = findChild(stbl, 'stss');
  const syncSamples = stssBox === undefined ? null : toSyncIndexes(stssBox, count);
  const cttsBox = findChild(stbl, 'ctts');
  const ctts = cttsBox === undefined ? undefined : readCtts(cttsBox);

  // Every check that bounds `count` has passed: allocate.
  budget.remaining -= count;
  const sizes = readSampleSizes(sizeHeader);
  const durations = new Uint32Array(count);
  const decodeTimes = new Float64Array(count);
  let s = 0;
  let time = 0;
  for (let e = 0; e < stts.counts.length; e++) {
    const delta = stts.deltas[e]!;
    for (let n = stts.counts[e]!; n > 0; n--, s++) {
      durations[s] = delta;
      decodeTimes[s] = time;
      time += delta;
    }
  }

  // ctts that covers fewer samples leaves the rest at 0, extra entries are ignored:
  // the decode order stays right and only presentation reordering is lost.
  const compositionOffsets = new Int32Array(count);
  if (ctts !== undefined) {
    s = 0;
    for (let e = 0; e < ctts.counts.length && s < count; e++) {
      const end = Math.min(count, s + ctts.counts[e]!);
      compositionOffsets.fill(ctts.offsets[e]!, s, end);
      s = end;
    }
  }

  const offsets = new Float64Array(count);
  const descriptionIndexes = new Uint16Array(count);
  const chunkFirstSamples = new Uint32Array(chunkOffsets.length);
  s = 0;
  const runs = stsc.firstChunks.length;
  for (let e = 0; e < runs; e++) {
    const lastChunk = e + 1 < runs ? stsc.firstChunks[e + 1]! - 1 : chunkOffsets.length;
    const perChunk = stsc.samplesPerChunk[e]!;
    const description = stsc.descriptionIndexes[e]!;
    for (let chunk = stsc.firstChunks[e]!; chunk <= lastChunk; chunk++) {
      chunkFirstSamples[chunk - 1] = s;
      let offset = chunkOffsets[chunk - 1]!;
      for (let n = 0; n < perChunk; n++, s++) {
        const size = sizes[s]!;
        if (offset + size > fileSize) {
          fail(chunkBox, `sample ${s + 1} (${size} bytes at ${offset}, chunk ${chunk}) ends past the ${fileSize}-byte file`);
        }
        offsets[s] = offset;
        descriptionIndexes[s] = description;
        offset += size;
      }
    }
  }

  return {
    count,
    offsets,
    sizes,
    decodeTimes,
    compositionOffsets,
    durations,
    syncSamples,
    descriptionIndexes,
    chunkFirstSamples,
    chunkOffsets,
  };
}

/** Validates stsc against the chunk count, the descriptions and the sample count, without allocating. */
function checkSampleToChunk(
  box: Box,
  stsc: SampleToChunk,
  chunkCount: number,
  descriptionCount: number,
  sampleCount: number,
): void {
  const runs = stsc.firstChunks.length;
  let total = 0;
  for (let e = 0; e < runs; e++) {
    const first = stsc.firstChunks[e]!;
    const expectedMin = e === 0 ? 1 : stsc.firstChunks[e - 1]! + 1;
    if (e === 0 && first !== 1) fail(box, `first entry starts at chunk ${first}, not 1`);
    if (first < expectedMin) fail(box, `entry ${e + 1} starts at chunk ${first}, not after the previous entry`);
    if (first > chunkCount) fail(box, `entry ${e + 1} refers to chunk ${first} but there are ${chunkCount} chunks`);
    const description = stsc.descriptionIndexes[e]!;
    if (description < 1 || description > descriptionCount) {
      fail(box, `entry ${e + 1} refers to sample description ${description} of ${descriptionCount}`);
    }
    const next = e + 1 < runs ? stsc.firstChunks[e + 1]! : chunkCount + 1;
    total += (next - first) * stsc.samplesPerChunk[e]!;
    if (total > sampleCount) break;
  }
  if (total !== sampleCount) {
    fail(box, `chunks hold ${total > sampleCount ? 'more than ' : ''}${total} samples but stsz has ${sampleCount}`);
  }
}

/** stss numbers are 1-based; SampleTable uses 0-based sample indexes. */
function toSyncIndexes(box: Box, count: number): Uint32Array {
  const numbers = readStss(box);
  let previous = 0;
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i]!;
    if (n <= previous || n > count) {
      fail(box, `sync sample ${n} at entry ${i + 1} is out of order or past the ${count} samples`);
    }
    previous = n;
    numbers[i] = n - 1;
  }
  return numbers;
}

function fail(box: Box, message: string): never {
  throw new MovieFormatError(`${box.path}: ${message}`, box.path);
}
