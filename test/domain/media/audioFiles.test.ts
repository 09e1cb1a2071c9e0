/**
 * WAV, AIFF/AIFF-C, Sun .au and MP3 files as Movies. Expected values are facts read
 * with ffprobe (-show_packets: pos and size of every MP3 frame) and from the headers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { extendedToNumber } from '../../../domain/media/audioFiles/aiffFile.js';
import { audioFileKindOf, parseAudioFile, sniffAudioFile, type AudioFileKind, type AudioFileStep } from '../../../domain/media/audioFiles/parseAudioFile.js';
import { MovieFormatError, type Movie } from '../../../domain/media/movie.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixturePath, fixturesMissing } from './mediaFiles.js';

/** Runs the read loop against bytes in memory, counting reads; `size` may exceed the bytes (a sparse file). */
function parse(bytes: Buffer, kind: AudioFileKind, headSize = 64 * 1024, size = bytes.length): { movie: Movie; reads: number } {
  let reads = 0;
  let step: AudioFileStep = parseAudioFile(bytes.subarray(0, headSize), size, kind);
  while ('readAt' in step) {
    reads++;
    assert.ok(step.length > 0 && step.readAt + step.length <= size, `read ${step.readAt}+${step.length} inside the file`);
    step = step.resume(bytes.subarray(step.readAt, step.readAt + step.length));
  }
  return { movie: step.movie, reads };
}

function fixture(name: string, headSize?: number) {
  const bytes = readFileSync(fixturePath(name));
  return { bytes, ...parse(bytes, audioFileKindOf(name)!, headSize) };
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

function wav(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  return Buffer.concat([Buffer.from('RIFF'), u32le(body.length), body]);
}

function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  return Buffer.concat([Buffer.from(id, 'latin1'), u32le(declared), body, Buffer.alloc(body.length & 1)]);
}

function fmt(tag: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return chunk('fmt ', b);
}

const pcmFiles = ['tone-s16.wav', 'tone-ulaw.wav', 'tone-alaw.wav', 'tone-u8-stereo.wav', 'tone-s16.aiff', 'tone-ulaw.aifc', 'tone-alaw.aifc', 'tone-s16.au', 'tone-ulaw.au', 'tone-alaw.au'];

describe('audio files: kinds', () => {
  it('by name and by the first bytes', () => {
    assert.deepEqual(['a.WAV', 'b.aif', 'c.aifc', 'd.snd', 'e.mp3', 'f.mp2', 'g.mov', 'noext'].map(audioFileKindOf), ['wav', 'aiff', 'aiff', 'au', 'mp3', 'mp3', null, null]);
    assert.equal(sniffAudioFile(wav([])), 'wav');
    assert.equal(sniffAudioFile(Buffer.from('FORM\0\0\0\0AIFC')), 'aiff');
    assert.equal(sniffAudioFile(Buffer.from('.snd')), 'au');
    assert.equal(sniffAudioFile(Buffer.from('ID3\x03')), 'mp3');
    assert.equal(sniffAudioFile(Buffer.from([0xff, 0xfb, 0x90, 0x64])), 'mp3');
    assert.equal(sniffAudioFile(Buffer.from('\0\0\0\x20ftypisom')), null);
  });
});

describe('audio files: PCM and G.711', { skip: fixturesMissing(...pcmFiles) }, () => {
  // [file, format, bits, channels, data offset]: 0.5 s at 8 kHz, 25 samples of 20 ms.
  const facts: Array<[string, string, number, number, number, string]> = [
    ['tone-s16.wav', 'sowt', 16, 1, 78, 'L16/8000/1'],
    ['tone-ulaw.wav', 'ulaw', 8, 1, 92, 'PCMU/8000'],
    ['tone-alaw.wav', 'alaw', 8, 1, 92, 'PCMA/8000'],
    ['tone-u8-stereo.wav', 'raw ', 8, 2, 78, 'L8/8000/2'],
    ['tone-s16.aiff', 'twos', 16, 1, 54, 'L16/8000/1'],
    ['tone-ulaw.aifc', 'ulaw', 8, 1, 72, 'PCMU/8000'],
    ['tone-alaw.aifc', 'alaw', 8, 1, 72, 'PCMA/8000'],
    ['tone-s16.au', 'twos', 16, 1, 32, 'L16/8000/1'],
    ['tone-ulaw.au', 'ulaw', 8, 1, 32, 'PCMU/8000'],
    ['tone-alaw.au', 'alaw', 8, 1, 32, 'PCMA/8000'],
  ];
  for (const [name, format, bits, channels, dataOffset, rtpmap] of facts) {
    it(`${name}: ${format}, ${channels} channel(s), data at ${dataOffset}`, () => {
      const { bytes, movie, reads } = fixture(name);
      assert.equal(reads, 0, 'the head holds every header');
      assert.deepEqual([movie.timescale, movie.duration], [8000, 4000]);
      const t = movie.tracks[0]!;
      const d = t.descriptions[0]!;
      assert.deepEqual([d.format, d.sampleSize, d.channelCount, d.sampleRate], [format, bits, channels, 8000]);
      const frameBytes = (bits / 8) * channels;
      assert.equal(t.samples.count, 25);
      for (let i = 0; i < 25; i++) {
        assert.equal(t.samples.offsets[i], dataOffset + i * 160 * frameBytes);
        assert.equal(t.samples.sizes[i], 160 * frameBytes);
        assert.equal(t.samples.decodeTimes[i], i * 160);
      }
      assert.equal(t.samples.offsets[24]! + t.samples.sizes[24]!, bytes.length, 'the data runs to the end');
      const p = createPacketizer(t, 96);
      assert.ok(!('unsupported' in p) && p.rtpmap === rtpmap);
    });
  }

  it('a WAV whose head is only the RIFF header is read chunk by chunk', () => {
    const { movie, reads } = fixture('tone-s16.wav', 12);
    assert.ok(reads >= 1);
    assert.equal(movie.tracks[0]!.samples.offsets[0], 78);
  });
});

describe('audio files: WAV and AIFF layouts', () => {
  it('a huge chunk before the data is skipped, not read', () => {
    const head = wav([fmt(1, 2, 44100, 16), chunk('LIST', Buffer.alloc(0), 50_000_000)]);
    const size = head.length + 50_000_000 + 8 + 44100 * 4;
    // A sparse file: only the head and the data chunk header exist in memory.
    const dataHeaderAt = head.length + 50_000_000;
    let reads = 0;
    let step = parseAudioFile(head, size, 'wav');
    while ('readAt' in step) {
      reads++;
      assert.equal(step.readAt, dataHeaderAt);
      step = step.resume(Buffer.concat([Buffer.from('data'), u32le(44100 * 4)]));
    }
    assert.equal(reads, 1);
    const t = step.movie.tracks[0]!;
    assert.deepEqual([t.samples.offsets[0], t.samples.count, t.duration, t.samples.sizes[0]], [dataHeaderAt + 8, 50, 44100, 882 * 4]);
  });

  it('data size 0 or 0xFFFFFFFF (a recording never finished) means to the end of the file', () => {
    for (const declared of [0, 0xffffffff]) {
      const file = wav([fmt(7, 1, 8000, 8), chunk('data', Buffer.alloc(800), declared)]);
      assert.equal(parse(file, 'wav').movie.duration, 800);
    }
  });

  it('WAVE_FORMAT_EXTENSIBLE takes the format from its subformat; float and compressed formats', () => {
    const ext = Buffer.alloc(40);
    ext.writeUInt16LE(0xfffe, 0);
    ext.writeUInt16LE(2, 2);
    ext.writeUInt32LE(48000, 4);
    ext.writeUInt16LE(4, 12);
    ext.writeUInt16LE(16, 14);
    ext.writeUInt16LE(22, 16);
    ext.writeUInt16LE(1, 24); // KSDATAFORMAT_SUBTYPE_PCM
    const movie = parse(wav([chunk('fmt ', ext), chunk('data', Buffer.alloc(1920))]), 'wav').movie;
    assert.deepEqual([movie.tracks[0]!.descriptions[0]!.format, movie.tracks[0]!.samples.count], ['sowt', 1]);
    const float = parse(wav([fmt(3, 1, 8000, 32), chunk('data', Buffer.alloc(64))]), 'wav').movie;
    assert.deepEqual(createPacketizer(float.tracks[0]!, 96), { unsupported: "codec 'lpcm' (floating-point PCM) has no packetizer yet" });
    assert.throws(() => parse(wav([fmt(0x55, 1, 8000, 0), chunk('data', Buffer.alloc(64))]), 'wav'), /format tag 0x0055/);
    assert.throws(() => parse(Buffer.concat([Buffer.from('RF64'), Buffer.alloc(4), Buffer.from('WAVE')]), 'wav'), /RF64/);
    assert.throws(() => parse(wav([chunk('data', Buffer.alloc(64))]), 'wav'), /no 'fmt ' chunk/);
    assert.throws(() => parse(wav([fmt(1, 1, 8000, 16)]), 'wav'), /no 'data' chunk/);
  });

  it('80-bit extended sample rates', () => {
    assert.equal(extendedToNumber(Buffer.from('400eac44000000000000', 'hex')), 44100);
    assert.equal(extendedToNumber(Buffer.from('400bfa00000000000000', 'hex')), 8000);
    // The classic Macintosh rate 22254.54545...
    assert.ok(Math.abs(extendedToNumber(Buffer.from('400daddd1745d1745d17', 'hex')) - 22254.545454) < 1e-3);
    assert.equal(extendedToNumber(Buffer.alloc(10)), 0);
  });

  it('malformed files are MovieFormatErrors, never anything else', { skip: fixturesMissing(...pcmFiles, 'tone-vbr.mp3', 'tone-cbr.mp3') }, () => {
    const sources = [...pcmFiles, 'tone-vbr.mp3', 'tone-cbr.mp3'].map((n) => ({ bytes: readFileSync(fixturePath(n)), kind: audioFileKindOf(n)! }));
    fc.assert(
      fc.property(
        fc.nat(sources.length - 1),
        fc.array(fc.record({ at: fc.nat(300), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        fc.nat(9000),
        (which, edits, cut) => {
          const { bytes, kind } = sources[which]!;
          const b = Buffer.from(bytes.subarray(0, Math.max(cut, 4)));
          for (const e of edits) if (e.at < b.length) b[e.at] = e.value;
          try {
            parse(b, kind, 512);
          } catch (err) {
            if (!(err instanceof MovieFormatError)) throw err;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('audio files: MP3', { skip: fixturesMissing('tone-vbr.mp3', 'tone-cbr.mp3') }, () => {
  it('tone-vbr.mp3: ID3v2 skipped, the Xing frame left out, 41 MPEG-2 layer III frames', () => {
    const { bytes, movie } = fixture('tone-vbr.mp3');
    const t = movie.tracks[0]!;
    assert.deepEqual([movie.timescale, t.samples.count, movie.duration], [22050, 41, 41 * 576]);
    // ffprobe -show_packets: the first audio frame at 255 (365 bytes), then 620 (182 bytes).
    assert.deepEqual([t.samples.offsets[0], t.samples.sizes[0], t.samples.offsets[1], t.samples.sizes[1]], [255, 365, 620, 182]);
    assert.equal(t.samples.offsets[40]! + t.samples.sizes[40]!, bytes.length);
    assert.deepEqual([t.descriptions[0]!.format, t.descriptions[0]!.channelCount], ['.mp3', 1]);
    assert.equal(createPacketizer(t, 96).constructor.name, 'MpaPacketizer');
  });

  it('tone-cbr.mp3: 40 MPEG-1 frames with varying padding, the ID3v1 tag left out', () => {
    const { bytes, movie } = fixture('tone-cbr.mp3');
    const t = movie.tracks[0]!;
    assert.deepEqual([movie.timescale, t.samples.count, t.descriptions[0]!.channelCount], [44100, 40, 2]);
    assert.deepEqual([t.samples.offsets[0], t.samples.sizes[0], t.samples.offsets[1], t.samples.sizes[1]], [73, 208, 281, 209]);
    assert.deepEqual([t.samples.offsets[39], t.samples.sizes[39]], [8223, 209]);
    assert.equal(bytes.toString('latin1', 8432, 8435), 'TAG');
  });

  it('a long file is read in windows, and junk inside is stepped over', () => {
    const { bytes, movie } = fixture('tone-cbr.mp3');
    const t = movie.tracks[0]!;
    const frames = Array.from({ length: t.samples.count }, (_, i) => bytes.subarray(t.samples.offsets[i]!, t.samples.offsets[i]! + t.samples.sizes[i]!));
    // 50 copies (about 420 KB: two windows), with junk and a false sync word after copy 10.
    const parts: Buffer[] = [];
    for (let copy = 0; copy < 50; copy++) {
      parts.push(...frames);
      if (copy === 10) parts.push(Buffer.from([0, 1, 2, 0xff, 0xfb, 0x90, 0x64, 9, 9, 9]));
    }
    const long = Buffer.concat(parts);
    const { movie: m, reads } = parse(long, 'mp3', 4096);
    assert.ok(reads >= 2);
    assert.equal(m.tracks[0]!.samples.count, 2000);
    const s = m.tracks[0]!.samples;
    for (let i = 0; i < s.count; i++) {
      const frame = long.subarray(s.offsets[i]!, s.offsets[i]! + s.sizes[i]!);
      assert.ok(frame.equals(frames[i % 40]!), `frame ${i}`);
    }
  });

  it('a file without frames is refused', () => {
    assert.throws(() => parse(Buffer.alloc(5000, 0x55), 'mp3'), (e: unknown) => e instanceof MovieFormatError && /no MPEG audio frames/.test(e.message));
  });
});
