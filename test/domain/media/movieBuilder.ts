/** Test helper: builds small moov boxes byte by byte, for layouts the sample files lack. */

export type Part = Buffer | number[];

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

export function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}

export function box(type: string, ...parts: Part[]): Buffer {
  const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return Buffer.concat([u32(8 + body.length), Buffer.from(type, 'latin1'), body]);
}

/** A box with a 64-bit largesize header, to check the 16-byte form inside a moov. */
export function largeBox(type: string, ...parts: Part[]): Buffer {
  const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return Buffer.concat([u32(1), Buffer.from(type, 'latin1'), u64(16 + body.length), body]);
}

export function fullBox(type: string, version: number, ...parts: Part[]): Buffer {
  return box(type, [version, 0, 0, 0], ...parts);
}

export interface TrackSpec {
  readonly id: number;
  readonly handler: string;
  readonly timescale: number;
  /** Complete sample entries (each a box). */
  readonly entries: Buffer[];
  /** Per-sample sizes; all samples go in one chunk at chunkOffset. */
  readonly sizes: number[];
  readonly chunkOffset: number;
  readonly delta?: number;
  readonly version1Headers?: boolean;
  readonly co64?: boolean;
  readonly ctts?: { version: number; offsets: number[] };
  readonly extraStbl?: Buffer[];
  /** Boxes before stbl in minf, e.g. a dinf with a dref. */
  readonly minfBefore?: Buffer[];
  /** Boxes after mdia in the trak, e.g. tref or udta. */
  readonly trakAfter?: Buffer[];
  /** Several chunks: samples per chunk and chunk offsets (instead of one chunk at chunkOffset). */
  readonly chunks?: {
    readonly samplesPerChunk: number;
    readonly offsets: number[];
    /** The sample description (1-based) of each chunk; all 1 when absent. */
    readonly descriptions?: number[];
  };
}

export function trak(t: TrackSpec): Buffer {
  const v = t.version1Headers ? 1 : 0;
  const times = v === 1 ? u64(0) : u32(0);
  const n = t.sizes.length;
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, u32(t.entries.length), ...t.entries),
    fullBox('stts', 0, u32(1), u32(n), u32(t.delta ?? 1024)),
    ...(t.ctts ? [fullBox('ctts', t.ctts.version, u32(n), ...t.ctts.offsets.flatMap((o) => [u32(1), i32(o)]))] : []),
    t.chunks?.descriptions
      ? fullBox('stsc', 0, u32(t.chunks.descriptions.length), ...t.chunks.descriptions.flatMap((d, c) => [u32(c + 1), u32(t.chunks!.samplesPerChunk), u32(d)]))
      : fullBox('stsc', 0, u32(1), u32(1), u32(t.chunks?.samplesPerChunk ?? n), u32(1)),
    fullBox('stsz', 0, u32(0), u32(n), ...t.sizes.map(u32)),
    t.chunks
      ? t.co64
        ? fullBox('co64', 0, u32(t.chunks.offsets.length), ...t.chunks.offsets.map(u64))
        : fullBox('stco', 0, u32(t.chunks.offsets.length), ...t.chunks.offsets.map(u32))
      : t.co64
        ? fullBox('co64', 0, u32(1), u64(t.chunkOffset))
        : fullBox('stco', 0, u32(1), u32(t.chunkOffset)),
    ...(t.extraStbl ?? []),
  );
  return box(
    'trak',
    fullBox('tkhd', v, times, times, u32(t.id), Buffer.alloc(v === 1 ? 72 : 68)),
    box(
      'mdia',
      fullBox('mdhd', v, times, times, u32(t.timescale), v === 1 ? u64(n * 1024) : u32(n * 1024), Buffer.alloc(4)),
      fullBox('hdlr', 0, Buffer.alloc(4), Buffer.from(t.handler, 'latin1'), Buffer.alloc(13)),
      box('minf', ...(t.minfBefore ?? []), stbl),
    ),
    ...(t.trakAfter ?? []),
  );
}

export function moov(tracks: Buffer[], version1 = false): Buffer {
  const times = version1 ? u64(0) : u32(0);
  const mvhd = fullBox('mvhd', version1 ? 1 : 0, times, times, u32(600), version1 ? u64(1200) : u32(1200), Buffer.alloc(80));
  return box('moov', mvhd, ...tracks);
}

/** SampleEntry prefix: 6 reserved bytes and data_reference_index 1. */
export const sampleEntryHeader = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);

/** AudioSampleEntry / QuickTime sound description v0 fields (28 bytes with the header). */
export function soundFields(version: number, channels: number, bits: number, rate: number): Buffer {
  return Buffer.concat([sampleEntryHeader, u16(version), Buffer.alloc(6), u16(channels), u16(bits), Buffer.alloc(4), u32(rate * 65536)]);
}

/** An esds body (after version/flags) for an MPEG-4 audio stream with the given config. */
export function esds(oti: number, config: number[]): Buffer {
  const dsi = Buffer.from([0x05, config.length, ...config]);
  const dcd = Buffer.concat([Buffer.from([0x04, 13 + dsi.length, oti, 0x15]), Buffer.alloc(11), dsi]);
  const sl = Buffer.from([0x06, 0x01, 0x02]);
  // ES_Descriptor with a 4-byte expandable length, as some writers do.
  const esBody = Buffer.concat([u16(1), [0], dcd, sl].map((p) => Buffer.from(p)));
  return fullBox('esds', 0, [0x03, 0x80, 0x80, 0x80, esBody.length], esBody);
}

/** A VisualSampleEntry with the given children. */
export function visualEntry(format: string, width: number, height: number, ...children: Buffer[]): Buffer {
  return box(format, sampleEntryHeader, Buffer.alloc(16), u16(width), u16(height), Buffer.alloc(50), ...children);
}
