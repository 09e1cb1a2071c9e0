/**
 * Readers for the raw sample table boxes of an stbl. Each one checks its entry count
 * against the box length before allocating, so a corrupt count cannot make it
 * allocate more than the moov itself holds.
 */
import type { Box } from './box.js';
import { BoxReader } from './boxReader.js';

/** stts: runs of samples sharing a decode duration. */
export interface TimeToSample {
  readonly counts: Uint32Array;
  readonly deltas: Uint32Array;
  /** Sum of counts: the number of samples the box describes. */
  readonly total: number;
}

export function readStts(box: Box): TimeToSample {
  const r = new BoxReader(box);
  r.fullBox();
  const n = r.entryCount(8);
  const counts = new Uint32Array(n);
  const deltas = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    counts[i] = r.u32();
    deltas[i] = r.u32();
    total += counts[i]!;
  }
  return { counts, deltas, total };
}

/** ctts: runs of samples sharing a composition offset. */
export interface CompositionOffsets {
  readonly counts: Uint32Array;
  readonly offsets: Int32Array;
  readonly total: number;
}

export function readCtts(box: Box): CompositionOffsets {
  const r = new BoxReader(box);
  const { version } = r.fullBox();
  const n = r.entryCount(8);
  const counts = new Uint32Array(n);
  const offsets = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    counts[i] = r.u32();
    // Version 0 offsets are unsigned and version 1 signed; storing either in an Int32Array
    // reads v0 values >= 2^31 as negative, which is what writers that put negative offsets
    // in v0 boxes (pre-2012 ffmpeg, some cameras) meant.
    offsets[i] = version === 0 ? r.u32() | 0 : r.i32();
    total += counts[i]!;
  }
  return { counts, offsets, total };
}

/** stss: 1-based sync sample numbers, as stored. */
export function readStss(box: Box): Uint32Array {
  const r = new BoxReader(box);
  r.fullBox();
  const n = r.entryCount(4);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.u32();
  return out;
}

/** stsz/stz2 without the per-sample array: the count, and either a constant size or the reader positioned at the table. */
export interface SampleSizeHeader {
  readonly count: number;
  /** Non-zero when every sample has this size (stsz only). */
  readonly constantSize: number;
  /** Bits per table entry: 32 for stsz, 4/8/16 for stz2; 0 with a constant size. */
  readonly fieldBits: number;
  readonly reader: BoxReader;
}

/** Reads the stsz/stz2 header, checking a table-form count against the box length. */
export function readSampleSizeHeader(box: Box): SampleSizeHeader {
  const r = new BoxReader(box);
  r.fullBox();
  if (box.type === 'stz2') {
    r.skip(3);
    const fieldBits = r.u8();
    if (fieldBits !== 4 && fieldBits !== 8 && fieldBits !== 16) r.fail(`field size ${fieldBits} is not 4, 8 or 16`);
    const count = r.u32();
    const bytes = Math.ceil((count * fieldBits) / 8);
    if (bytes > r.remaining) r.fail(`sample count ${count} needs ${bytes} bytes but the box has ${r.remaining}`);
    return { count, constantSize: 0, fieldBits, reader: r };
  }
  const constantSize = r.u32();
  if (constantSize !== 0) return { count: r.u32(), constantSize, fieldBits: 0, reader: r };
  const count = r.entryCount(4, 'sample count');
  return { count, constantSize: 0, fieldBits: 32, reader: r };
}

/** Fills the per-sample sizes; the caller has already checked `header.count` against its budget. */
export function readSampleSizes(header: SampleSizeHeader): Uint32Array {
  const { count, constantSize, fieldBits, reader: r } = header;
  const sizes = new Uint32Array(count);
  if (constantSize !== 0) {
    sizes.fill(constantSize);
  } else if (fieldBits === 32) {
    for (let i = 0; i < count; i++) sizes[i] = r.u32();
  } else if (fieldBits === 16) {
    for (let i = 0; i < count; i++) sizes[i] = r.u16();
  } else if (fieldBits === 8) {
    for (let i = 0; i < count; i++) sizes[i] = r.u8();
  } else {
    for (let i = 0; i < count; i += 2) {
      const b = r.u8();
      sizes[i] = b >> 4;
      if (i + 1 < count) sizes[i + 1] = b & 0x0f;
    }
  }
  return sizes;
}

/** stsc: runs of chunks sharing samples-per-chunk and sample description. */
export interface SampleToChunk {
  readonly firstChunks: Uint32Array;
  readonly samplesPerChunk: Uint32Array;
  readonly descriptionIndexes: Uint32Array;
}

export function readStsc(box: Box): SampleToChunk {
  const r = new BoxReader(box);
  r.fullBox();
  const n = r.entryCount(12);
  const firstChunks = new Uint32Array(n);
  const samplesPerChunk = new Uint32Array(n);
  const descriptionIndexes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    firstChunks[i] = r.u32();
    samplesPerChunk[i] = r.u32();
    descriptionIndexes[i] = r.u32();
  }
  return { firstChunks, samplesPerChunk, descriptionIndexes };
}

/** stco/co64: absolute file offsets of chunks. */
export function readChunkOffsets(box: Box): Float64Array {
  const r = new BoxReader(box);
  r.fullBox();
  const wide = box.type === 'co64';
  const n = r.entryCount(wide ? 8 : 4);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = wide ? r.u64() : r.u32();
  return out;
}
