/**
 * Layouts the two sample files do not contain: QuickTime sound descriptions v1/v2 with
 * 'wave', version 1 headers, co64, ctts v1, 64-bit box headers, and an unknown codec.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { box, esds, fullBox, largeBox, moov, sampleEntryHeader, soundFields, trak, u16, u32, visualEntry } from './movieBuilder.js';

const FILE_SIZE = 100_000;
const aacConfig = [0x11, 0x90]; // AAC LC, 48 kHz, stereo

describe('QuickTime and rarer ISO layouts', () => {
  it('sound description v1 with esds inside wave (ffmpeg -f mov, QuickTime 7)', () => {
    const mp4a = box(
      'mp4a',
      soundFields(1, 2, 16, 48000),
      u32(1024), u32(0), u32(0), u32(2), // samples/packet, bytes/packet, bytes/frame, bytes/sample
      box('wave', box('frma', Buffer.from('mp4a')), box('mp4a', u32(0)), esds(0x40, aacConfig), u32(8), u32(0)),
      box('chan', Buffer.alloc(12)),
    );
    const movie = parseMovie(moov([trak({ id: 1, handler: 'soun', timescale: 48000, entries: [mp4a], sizes: [10, 20], chunkOffset: 1000 })]), FILE_SIZE);
    const d = movie.tracks[0]!.descriptions[0]!;
    assert.equal(d.channelCount, 2);
    assert.equal(d.sampleRate, 48000);
    assert.equal(d.sampleSize, 16);
    assert.equal(d.objectTypeIndication, 0x40);
    assert.deepEqual([...d.audioSpecificConfig!], aacConfig);
    assert.deepEqual([...d.extensions.keys()], ['wave', 'chan']);
    assert.deepEqual(movie.tracks[0]!.samples.offsets, Float64Array.from([1000, 1010]));
    const p = createPacketizer(movie.tracks[0]!, 97);
    assert.ok(!('unsupported' in p) && p.rtpmap === 'mpeg4-generic/48000/2');
  });

  it('sound description v2: float64 rate and 32-bit channel count', () => {
    const v2 = Buffer.alloc(36);
    v2.writeUInt32BE(72, 0); // sizeOfStructOnly
    v2.writeDoubleBE(96000, 4);
    v2.writeUInt32BE(6, 12); // channels
    v2.writeUInt32BE(0x7f000000, 16);
    v2.writeUInt32BE(24, 20); // bits per channel
    const lpcm = box('lpcm', soundFields(2, 3, 16, 1), v2, box('chan', Buffer.alloc(12)));
    const movie = parseMovie(moov([trak({ id: 1, handler: 'soun', timescale: 96000, entries: [lpcm], sizes: [18], chunkOffset: 0 })]), FILE_SIZE);
    const d = movie.tracks[0]!.descriptions[0]!;
    assert.deepEqual([d.format, d.sampleRate, d.channelCount, d.sampleSize], ['lpcm', 96000, 6, 24]);
    assert.deepEqual([...d.extensions.keys()], ['chan']);
    assert.deepEqual(createPacketizer(movie.tracks[0]!, 97), { unsupported: "codec 'lpcm' (24-bit PCM) has no packetizer yet" });
  });

  it('ISO AudioSampleEntryV1 (stsd version 1) has no QuickTime extra fields; srat gives the rate', () => {
    const mp4a = box('mp4a', soundFields(1, 2, 16, 0), fullBox('srat', 0, u32(192000)), esds(0x40, aacConfig));
    const track = trak({ id: 1, handler: 'soun', timescale: 48000, entries: [mp4a], sizes: [5], chunkOffset: 0 });
    // Patch the stsd version to 1.
    const stsdAt = track.indexOf('stsd');
    track[stsdAt + 4] = 1;
    const d = parseMovie(moov([track]), FILE_SIZE).tracks[0]!.descriptions[0]!;
    assert.equal(d.sampleRate, 192000);
    assert.equal(d.objectTypeIndication, 0x40);
  });

  it('version 1 mvhd/tkhd/mdhd, co64, ctts v1 with negative offsets, 64-bit box header', () => {
    const avcC = box('avcC', [1, 0x42, 0xc0, 0x1e, 0xff, 0xe1], u16(4), [0x67, 0x42, 0xc0, 0x1e], [1], u16(2), [0x68, 0xce]);
    const avc1 = visualEntry('avc1', 640, 360, avcC);
    const video = trak({
      id: 7,
      handler: 'vide',
      timescale: 90000,
      entries: [avc1],
      sizes: [100, 50, 50],
      chunkOffset: 5_000_000_000,
      delta: 3000,
      version1Headers: true,
      co64: true,
      ctts: { version: 1, offsets: [3000, -3000, 0] },
      extraStbl: [largeBox('free', Buffer.alloc(3))],
    });
    const movie = parseMovie(moov([video], true), 6_000_000_000);
    assert.equal(movie.timescale, 600);
    assert.equal(movie.duration, 1200);
    const t = movie.tracks[0]!;
    assert.deepEqual([t.id, t.kind, t.timescale, t.duration], [7, 'video', 90000, 3072]);
    assert.deepEqual(t.samples.offsets, Float64Array.from([5_000_000_000, 5_000_000_100, 5_000_000_150]));
    assert.deepEqual(t.samples.compositionOffsets, Int32Array.from([3000, -3000, 0]));
    assert.deepEqual(t.samples.decodeTimes, Float64Array.from([0, 3000, 6000]));
    const d = t.descriptions[0]!;
    assert.deepEqual([d.width, d.height], [640, 360]);
    const p = createPacketizer(t, 96);
    assert.ok(!('unsupported' in p));
    assert.equal(p.fmtp, 'packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=Z0LAHg==,aM4=');
    assert.deepEqual(p.extraAttributes, ['framesize:96 640-360']);
  });

  it('ctts v0 offsets past 2^31 read as the negative values writers meant', () => {
    const avc1 = visualEntry('avc1', 16, 16);
    const video = trak({ id: 1, handler: 'vide', timescale: 90000, entries: [avc1], sizes: [1, 1], chunkOffset: 0, ctts: { version: 0, offsets: [-1, 5] } });
    assert.deepEqual(parseMovie(moov([video]), FILE_SIZE).tracks[0]!.samples.compositionOffsets, Int32Array.from([-1, 5]));
  });

  it('an unknown codec keeps its child boxes and is reported unsupported', () => {
    const av01 = visualEntry('av01', 1920, 1080, box('av1C', [0x81, 2, 3]), box('pasp', u32(1), u32(1)));
    const t = parseMovie(moov([trak({ id: 1, handler: 'vide', timescale: 90000, entries: [av01], sizes: [9], chunkOffset: 0 })]), FILE_SIZE).tracks[0]!;
    assert.deepEqual([...t.descriptions[0]!.extensions.get('av1C')!], [0x81, 2, 3]);
    assert.deepEqual(createPacketizer(t, 96), { unsupported: "codec 'av01' (AV1) has no packetizer yet" });
  });

  it('a known codec with a broken configuration box is reported unsupported with why', () => {
    const hvc1 = visualEntry('hvc1', 1920, 1080, box('hvcC', [1, 2, 3]), box('pasp', u32(1), u32(1)));
    const t = parseMovie(moov([trak({ id: 1, handler: 'vide', timescale: 90000, entries: [hvc1], sizes: [9], chunkOffset: 0 })]), FILE_SIZE).tracks[0]!;
    assert.deepEqual([...t.descriptions[0]!.extensions.get('hvcC')!], [1, 2, 3]);
    assert.deepEqual(createPacketizer(t, 96), { unsupported: 'hvc1: hvcC: truncated header (3 bytes)' });
  });

  it('text, subtitle and unknown handlers', () => {
    const tx3g = box('tx3g', sampleEntryHeader, Buffer.alloc(30), box('ftab', u16(0)));
    const kinds = ['text', 'sbtl', 'subt', 'meta', 'tmcd'].map((handler, i) =>
      trak({ id: i + 1, handler, timescale: 1000, entries: [handler === 'tmcd' ? box('tmcd', sampleEntryHeader) : tx3g], sizes: [2], chunkOffset: 0 }),
    );
    const tracks = parseMovie(moov(kinds), FILE_SIZE).tracks;
    assert.deepEqual(tracks.map((t) => t.kind), ['text', 'text', 'text', 'other', 'other']);
    assert.ok(tracks[0]!.descriptions[0]!.extensions.has('ftab'));
    assert.equal(tracks[4]!.descriptions[0]!.extensions.size, 0);
  });

  it('an empty track (as in fragmented files) has an empty sample table', () => {
    const avc1 = visualEntry('avc1', 16, 16);
    const empty = box(
      'trak',
      fullBox('tkhd', 0, Buffer.alloc(8), u32(1), Buffer.alloc(68)),
      box('mdia', fullBox('mdhd', 0, Buffer.alloc(8), u32(90000), u32(0), Buffer.alloc(4)), fullBox('hdlr', 0, Buffer.alloc(4), Buffer.from('vide'), Buffer.alloc(1)),
        box('minf', box('stbl', fullBox('stsd', 0, u32(1), avc1), fullBox('stts', 0, u32(0)), fullBox('stsc', 0, u32(0)), fullBox('stsz', 0, u32(0), u32(0)), fullBox('stco', 0, u32(0))))),
    );
    const t = parseMovie(moov([empty]), FILE_SIZE).tracks[0]!;
    assert.equal(t.samples.count, 0);
    assert.equal(t.samples.syncSamples, null);
  });

  it('a zero timescale or a missing box is a MovieFormatError', () => {
    const bad = trak({ id: 1, handler: 'soun', timescale: 0, entries: [box('mp4a', soundFields(0, 2, 16, 8000))], sizes: [1], chunkOffset: 0 });
    assert.throws(() => parseMovie(moov([bad]), FILE_SIZE), (e: unknown) => e instanceof MovieFormatError && e.box === 'moov/trak[1]/mdia/mdhd');
    assert.throws(() => parseMovie(box('moov'), FILE_SIZE), (e: unknown) => e instanceof MovieFormatError && e.box === 'moov/mvhd');
  });
});
