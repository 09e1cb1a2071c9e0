/**
 * Hint sample parsing and payload building on hand-made samples: the parts of the
 * format the two real files do not use (extra TLVs, no-op and sample-description
 * constructors, self references, track reference rules, compressed blocks) and
 * corrupt input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildHintPayload, HintDataError, hintPayloadSize, type SampleBytesResolver } from '../../../domain/media/hint/hintPayload.js';
import { parseHintSample, type HintConstructor } from '../../../domain/media/hint/hintSample.js';
import { MovieFormatError, type Movie, type MovieTrack, type SampleTable } from '../../../domain/media/movie.js';
import { u16, u32 } from './movieBuilder.js';

function table(sizes: number[], offsets: number[], chunks?: { firsts: number[]; offsets: number[] }): SampleTable {
  const n = sizes.length;
  return {
    count: n,
    offsets: Float64Array.from(offsets),
    sizes: Uint32Array.from(sizes),
    decodeTimes: Float64Array.from(sizes.map((_, i) => i * 10)),
    compositionOffsets: new Int32Array(n),
    durations: new Uint32Array(n).fill(10),
    syncSamples: null,
    descriptionIndexes: new Uint16Array(n).fill(1),
    ...(chunks === undefined ? {} : { chunkFirstSamples: Uint32Array.from(chunks.firsts), chunkOffsets: Float64Array.from(chunks.offsets) }),
  };
}

function track(id: number, kind: MovieTrack['kind'], samples: SampleTable, refs: number[] = [], raw?: Buffer): MovieTrack {
  return {
    id,
    kind,
    handler: kind === 'hint' ? 'hint' : 'soun',
    timescale: 1000,
    duration: samples.count * 10,
    descriptions: [{ format: kind === 'hint' ? 'rtp ' : 'ima4', extensions: new Map(), ...(raw === undefined ? {} : { raw }) }],
    samples,
    references: new Map([['hint', refs]]),
    userData: new Map(),
  };
}

const entry = Buffer.from('0000001c696d61340000000000000001deadbeefcafef00d0102030405060708', 'hex').subarray(0, 28);
// Media track 5: samples of 100 bytes; its sound chunks start at samples 0 and 4.
const media = track(5, 'audio', table([100, 100, 100, 100, 100, 100], [1000, 1100, 1200, 1300, 5000, 5100], { firsts: [0, 4], offsets: [1000, 5000] }), [], entry);
const other = track(7, 'audio', table([10], [9000]));
const hint = track(9, 'hint', table([200, 200], [0, 200]), [5, 0, 7]);
const movie: Movie = { timescale: 1000, duration: 60, tracks: [media, other, hint], userData: new Map() };

function immediate(text: string): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 1;
  b[1] = text.length;
  b.write(text, 2, 'latin1');
  return b;
}

function sampleConstructor(ref: number, length: number, sampleNumber: number, offset: number, bpb = 0, spb = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 2;
  b.writeInt8(ref, 1);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(sampleNumber, 4);
  b.writeUInt32BE(offset, 8);
  b.writeUInt16BE(bpb, 12);
  b.writeUInt16BE(spb, 14);
  return b;
}

function descriptionConstructor(ref: number, length: number, index: number, offset: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 3;
  b.writeInt8(ref, 1);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(index, 4);
  b.writeUInt32BE(offset, 8);
  return b;
}

function packet(opts: { time?: number; marker?: boolean; pt?: number; seq: number; flags?: number; tlv?: Buffer; constructors: Buffer[] }): Buffer {
  const header = Buffer.alloc(12);
  header.writeInt32BE(opts.time ?? 0, 0);
  header[4] = 0x80;
  header[5] = (opts.marker ? 0x80 : 0) | (opts.pt ?? 96);
  header.writeUInt16BE(opts.seq, 6);
  header.writeUInt16BE((opts.flags ?? 0) | (opts.tlv ? 4 : 0), 8);
  header.writeUInt16BE(opts.constructors.length, 10);
  return Buffer.concat([header, ...(opts.tlv ? [opts.tlv] : []), ...opts.constructors]);
}

function sample(...packets: Buffer[]): Buffer {
  return Buffer.concat([u16(packets.length), u16(0), ...packets]);
}

/** A TLV table: an unknown 9-byte TLV (padded to 12), then rtpo. */
function tlvs(rtpo: number): Buffer {
  const unknown = Buffer.concat([u32(9), Buffer.from('zzzz'), Buffer.from([7]), Buffer.alloc(3)]);
  const offset = Buffer.alloc(4);
  offset.writeInt32BE(rtpo);
  const rtpoTlv = Buffer.concat([u32(12), Buffer.from('rtpo'), offset]);
  return Buffer.concat([u32(4 + unknown.length + rtpoTlv.length), unknown, rtpoTlv]);
}

const fileBytes = Buffer.alloc(10_000);
for (let i = 0; i < fileBytes.length; i++) fileBytes[i] = i % 251;
const resolveFile: SampleBytesResolver = (trackId, index, offset, length) => {
  const t = movie.tracks.find((x) => x.id === trackId)!;
  const at = t.samples.offsets[index]! + offset;
  return fileBytes.subarray(at, at + length);
};

describe('parseHintSample', () => {
  it('reads the packet header, flags, TLVs and every constructor kind', () => {
    const bytes = sample(
      packet({ time: -3, marker: true, pt: 97, seq: 65535, flags: 2, tlv: tlvs(-5), constructors: [Buffer.alloc(16), immediate('abc'), sampleConstructor(0, 4, 2, 8)] }),
      packet({ seq: 0, flags: 1, constructors: [descriptionConstructor(0, 4, 1, 16), sampleConstructor(-1, 6, 2, 10), sampleConstructor(-1, 3, 1, 1)] }),
    );
    const [first, second] = parseHintSample(bytes, hint, { movie, sampleIndex: 0 });
    assert.deepEqual(
      [first!.relativeTransmissionTime, first!.marker, first!.payloadType, first!.sequenceNumber, first!.bFrame, first!.repeat, first!.timestampOffset],
      [-3, true, 97, 65535, true, false, -5],
    );
    assert.equal(first!.constructors.length, 2, 'the no-op constructor is dropped');
    assert.deepEqual(first!.constructors[0], { kind: 'immediate', data: Buffer.from('abc') });
    assert.deepEqual(first!.constructors[1], { kind: 'sample', trackId: 5, sampleIndex: 1, offset: 8, length: 4 });
    assert.deepEqual([second!.sequenceNumberDelta, second!.repeat, second!.timestampOffset], [1, true, 0]);
    const [d, otherHintSample, self] = second!.constructors as HintConstructor[];
    assert.deepEqual(d, { kind: 'sampleDescription', trackId: 5, descriptionIndex: 0, offset: 16, length: 4 });
    assert.deepEqual(otherHintSample, { kind: 'sample', trackId: 9, sampleIndex: 1, offset: 10, length: 6 });
    // A reference to the hint sample being parsed is a view into it.
    assert.deepEqual(self, { kind: 'immediate', data: bytes.subarray(1, 4) });
  });

  it('track reference indexes: -1 self, 0 the first track, then QuickTime 1-based or ISO 0-based positions', () => {
    const ref = (index: number, rule?: 'quicktime' | 'iso') => {
      const [p] = parseHintSample(sample(packet({ seq: 1, constructors: [sampleConstructor(index, 1, 1, 0)] })), hint, rule ? { trackReferenceRule: rule } : {});
      const c = p!.constructors[0]!;
      return c.kind === 'sample' ? c.trackId : -1;
    };
    assert.equal(ref(-1), 9);
    assert.equal(ref(0), 5);
    assert.equal(ref(1), 5);
    assert.equal(ref(3), 7);
    assert.equal(ref(2, 'iso'), 7);
    assert.throws(() => ref(2), /track reference index 2 has no track/); // the empty (0) entry
    assert.throws(() => ref(3, 'iso'), MovieFormatError);
  });

  it('compressed blocks (QuickTime sound): frame numbers become bytes from the chunk start', () => {
    // Frame 5 (index 4) opens chunk 2: 0 frames into it, so the offset stays 2.
    const [p] = parseHintSample(sample(packet({ seq: 1, constructors: [sampleConstructor(0, 34, 5, 2, 34, 2)] })), hint, { movie });
    assert.deepEqual(p!.constructors[0], { kind: 'sample', trackId: 5, sampleIndex: 4, offset: 2, length: 34 });
    // Frame 4 (index 3) is 3 frames into chunk 1: 3 * 34 / 2 = 51 bytes from its start.
    const [q] = parseHintSample(sample(packet({ seq: 1, constructors: [sampleConstructor(0, 34, 4, 0, 34, 2)] })), hint, { movie });
    assert.deepEqual(q!.constructors[0], { kind: 'sample', trackId: 5, sampleIndex: 0, offset: 51, length: 34 });
    assert.throws(() => parseHintSample(sample(packet({ seq: 1, constructors: [sampleConstructor(0, 34, 4, 0, 34, 2)] })), hint), /needs the movie/);
  });

  it('an empty hint sample (0 packets) sends nothing', () => {
    assert.deepEqual(parseHintSample(sample(), hint), []);
  });

  const broken: Array<[string, Buffer, RegExp]> = [
    ['shorter than the count', Buffer.from([0, 1]), /too short/],
    ['more packets than bytes', Buffer.concat([u16(1000), u16(0), Buffer.alloc(20)]), /1000 packets cannot fit/],
    ['constructors past the end', sample(packet({ seq: 1, constructors: [immediate('a')] })).subarray(0, 30), /run past the end/],
    ['an unknown data source', sample(packet({ seq: 1, constructors: [Buffer.from([9, ...Buffer.alloc(15)])] })), /data source 9/],
    ['immediate data longer than 14', sample(packet({ seq: 1, constructors: [Buffer.from([1, 15, ...Buffer.alloc(14)])] })), /immediate length 15/],
    ['sample number 0', sample(packet({ seq: 1, constructors: [sampleConstructor(0, 1, 0, 0)] })), /sample number 0/],
    ['a TLV table running past the end', sample(packet({ seq: 1, tlv: u32(400), constructors: [] })), /extra information size/],
    ['a TLV larger than its table', sample(packet({ seq: 1, tlv: Buffer.concat([u32(12), u32(40), Buffer.from('rtpo')]), constructors: [] })), /TLV 'rtpo' size 40/],
  ];
  for (const [name, bytes, message] of broken) {
    it(`rejects ${name} with MovieFormatError`, () => {
      assert.throws(() => parseHintSample(bytes, hint), (e: unknown) => e instanceof MovieFormatError && message.test(e.message));
    });
  }

  it('random bytes: packets or MovieFormatError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, valid) => {
        const bytes = Buffer.from(raw);
        if (valid && bytes.length >= 2) bytes.writeUInt16BE(1, 0);
        try {
          parseHintSample(bytes, hint, { movie, sampleIndex: 0 });
        } catch (e) {
          if (!(e instanceof MovieFormatError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('buildHintPayload', () => {
  const [p] = parseHintSample(
    sample(packet({ seq: 1, constructors: [immediate('xy'), sampleConstructor(0, 4, 2, 8), descriptionConstructor(0, 8, 1, 16), immediate('')] })),
    hint,
    { movie },
  );

  it('joins immediate, sample and sample-description bytes, as views', () => {
    const chunks = buildHintPayload(p!, resolveFile, (id, i) => movie.tracks.find((t) => t.id === id)?.descriptions[i]?.raw)!;
    assert.equal(chunks.length, 3, 'the empty immediate adds nothing');
    assert.equal(chunks[0]!.toString(), 'xy');
    assert.ok(chunks[1]!.equals(fileBytes.subarray(1108, 1112)));
    assert.equal(chunks[1]!.buffer, fileBytes.buffer, 'media bytes are not copied');
    assert.equal(chunks[2]!.toString('hex'), 'deadbeefcafef00d');
    assert.equal(hintPayloadSize(p!), 2 + 4 + 8);
  });

  it('is null while referenced bytes are not loaded', () => {
    assert.equal(buildHintPayload(p!, () => null), null);
  });

  it('refuses bytes of the wrong length and descriptions that do not hold the range', () => {
    assert.throws(() => buildHintPayload(p!, () => Buffer.alloc(3)), HintDataError);
    assert.throws(() => buildHintPayload(p!, resolveFile), HintDataError);
    assert.throws(() => buildHintPayload(p!, resolveFile, () => Buffer.alloc(10)), HintDataError);
  });
});
