/**
 * Uncompressed audio over RTP (RFC 3551): PCMU/PCMA, L16 and L8, from QuickTime movies
 * (frames regrouped into ~20 ms samples) and from audio files. The fixtures encode the
 * same tone in different layouts, so after conversion their payloads must be equal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAudioFile, audioFileKindOf } from '../../../domain/media/audioFiles/parseAudioFile.js';
import type { Movie, MovieTrack } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import type { Packetizer, RtpPayload } from '../../../domain/media/packetizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { G711Packetizer } from '../../../domain/media/pcm/g711Packetizer.js';
import { LinearPcmPacketizer, signedToOffsetBinary, swapToBigEndian } from '../../../domain/media/pcm/linearPcmPacketizer.js';
import { pcmLayoutOf } from '../../../domain/media/pcm/pcmFormat.js';
import { groupPcmSamples } from '../../../domain/media/pcm/pcmSampleGroups.js';
import { fixturePath, fixturesMissing, loadMovie } from './mediaFiles.js';
import { box, moov, soundFields, trak, u32 } from './movieBuilder.js';

interface Streamed {
  readonly packetizer: Packetizer;
  readonly track: MovieTrack;
  /** Every payload with its absolute RTP time (sample decode time + offset). */
  readonly packets: Array<{ payload: Buffer; rtpTime: number; marker: boolean }>;
}

function stream(file: Buffer, track: MovieTrack, maxPayload = 1400): Streamed {
  const packetizer = createPacketizer(track, 96);
  assert.ok(!('unsupported' in packetizer), JSON.stringify(packetizer));
  const packets: Streamed['packets'] = [];
  const s = track.samples;
  for (let i = 0; i < s.count; i++) {
    const bytes = file.subarray(s.offsets[i]!, s.offsets[i]! + s.sizes[i]!);
    for (const p of packetizer.packetize(bytes, maxPayload) as RtpPayload[]) {
      const rtpTime = (s.decodeTimes[i]! * packetizer.clockRate) / track.timescale + (p.timestampOffset ?? 0);
      packets.push({ payload: Buffer.concat(p.chunks), rtpTime, marker: p.marker });
    }
  }
  return { packetizer, track, packets };
}

function movieFixture(name: string): Streamed {
  const { file, moov: m } = loadMovie(fixturePath(name));
  const track = groupPcmSamples(parseMovie(m, file.length).tracks[0]!);
  return stream(file, track);
}

function audioFileFixture(name: string): Streamed {
  const file = readFileSync(fixturePath(name));
  let step = parseAudioFile(file.subarray(0, 512), file.length, audioFileKindOf(name)!);
  while ('readAt' in step) step = step.resume(file.subarray(step.readAt, step.readAt + step.length));
  return stream(file, step.movie.tracks[0]!);
}

/** The payloads as one stream, and the RTP times advance by exactly the frames sent. */
function continuous(s: Streamed, bytesPerFrame: number): Buffer {
  let expectedTime = 0;
  for (const p of s.packets) {
    assert.equal(p.rtpTime, expectedTime);
    assert.equal(p.payload.length % bytesPerFrame, 0);
    expectedTime += p.payload.length / bytesPerFrame;
  }
  return Buffer.concat(s.packets.map((p) => p.payload));
}

const movieFixtures = ['pcm_s16le.mov', 'pcm_s16be.mov', 'pcm_mulaw.mov', 'pcm_alaw.mov', 'pcm_u8.mov', 'pcm_s8.mov'];
const fileFixtures = ['tone-s16.wav', 'tone-s16.aiff', 'tone-s16.au', 'tone-ulaw.wav', 'tone-ulaw.au', 'tone-ulaw.aifc', 'tone-alaw.wav', 'tone-alaw.au', 'tone-alaw.aifc'];

describe('G711Packetizer', () => {
  it('PCMU 0 and PCMA 8 at 8000 Hz mono; other layouts take the dynamic type', () => {
    const u = new G711Packetizer({ law: 'ulaw', sampleRate: 8000, channels: 1, dynamicPayloadType: 96 });
    const a = new G711Packetizer({ law: 'alaw', sampleRate: 8000, channels: 1, dynamicPayloadType: 96 });
    const stereo = new G711Packetizer({ law: 'ulaw', sampleRate: 8000, channels: 2, dynamicPayloadType: 97 });
    const wide = new G711Packetizer({ law: 'alaw', sampleRate: 16000, channels: 1, dynamicPayloadType: 98 });
    assert.deepEqual([u.payloadType, u.rtpmap, a.payloadType, a.rtpmap], [0, 'PCMU/8000', 8, 'PCMA/8000']);
    assert.deepEqual([stereo.payloadType, stereo.rtpmap, wide.payloadType, wide.rtpmap, wide.clockRate], [97, 'PCMU/8000/2', 98, 'PCMA/16000', 16000]);
    assert.deepEqual(u.extraAttributes, ['ptime:20']);
  });

  it('cuts a sample into 20 ms packets (160 bytes), timestamps advancing by the frames', () => {
    const p = new G711Packetizer({ law: 'ulaw', sampleRate: 8000, channels: 1, dynamicPayloadType: 96 });
    const sample = Buffer.alloc(8000); // one second
    const payloads = p.packetize(sample, 1400);
    assert.equal(payloads.length, 50);
    assert.ok(payloads.every((x, i) => x.chunks[0]!.length === 160 && x.timestampOffset === i * 160 && !x.marker));
    assert.equal(payloads[3]!.chunks[0]!.buffer, sample.buffer, 'G.711 is sent as stored');
    // A payload limit below 20 ms splits evenly rather than leaving a runt.
    assert.deepEqual(p.packetize(Buffer.alloc(160), 100).map((x) => [x.chunks[0]!.length, x.timestampOffset]), [[80, 0], [80, 80]]);
  });
});

describe('LinearPcmPacketizer', () => {
  const layout = (format: string, bits: number, channels = 2, rate = 48000) => {
    const l = pcmLayoutOf({ format, sampleSize: bits, channelCount: channels, sampleRate: rate, extensions: new Map() });
    assert.ok(!('unsupported' in l));
    return l;
  };

  it('L16 big-endian as stored, little-endian swapped (a copy); L8 offset binary', () => {
    const be = new LinearPcmPacketizer({ payloadType: 96, layout: layout('twos', 16) });
    const le = new LinearPcmPacketizer({ payloadType: 96, layout: layout('sowt', 16) });
    assert.deepEqual([be.rtpmap, be.clockRate, be.extraAttributes], ['L16/48000/2', 48000, ['ptime:20']]);
    const sample = Buffer.from([0x12, 0x34, 0x56, 0x78]);
    assert.equal(be.packetize(sample, 1400)[0]!.chunks[0]!.buffer, sample.buffer);
    assert.deepEqual([...le.packetize(sample, 1400)[0]!.chunks[0]!], [0x34, 0x12, 0x78, 0x56]);
    assert.deepEqual([...sample], [0x12, 0x34, 0x56, 0x78], 'the source is not modified');
    const l8 = new LinearPcmPacketizer({ payloadType: 96, layout: layout('raw ', 8, 1, 8000) });
    const s8 = new LinearPcmPacketizer({ payloadType: 96, layout: layout('twos', 8, 1, 8000) });
    assert.equal(l8.rtpmap, 'L8/8000/1');
    assert.deepEqual([...s8.packetize(Buffer.from([0x00, 0x7f, 0x80, 0xff]), 1400)[0]!.chunks[0]!], [0x80, 0xff, 0x00, 0x7f]);
    assert.deepEqual([...swapToBigEndian(Buffer.from([1, 2]))], [2, 1]);
    assert.deepEqual([...signedToOffsetBinary(Buffer.from([0xff]))], [0x7f]);
  });

  it('20 ms of 48 kHz stereo L16 (3840 bytes) splits into equal packets under the limit', () => {
    const p = new LinearPcmPacketizer({ payloadType: 96, layout: layout('twos', 16) });
    const payloads = p.packetize(Buffer.alloc(3840), 1400);
    assert.deepEqual(payloads.map((x) => [x.chunks[0]!.length, x.timestampOffset]), [[1280, 0], [1280, 320], [1280, 640]]);
    // A partial trailing frame is not sent.
    assert.equal(p.packetize(Buffer.alloc(6), 1400)[0]!.chunks[0]!.length, 4);
    assert.throws(() => p.packetize(Buffer.alloc(8), 3), RangeError);
  });

  it('layouts RTP cannot carry are named', () => {
    const t = { format: 'lpcm', channelCount: 2, sampleRate: 48000, extensions: new Map() };
    assert.deepEqual(pcmLayoutOf({ ...t, sampleSize: 24, pcmFormatFlags: 6 }), { unsupported: '24-bit PCM' });
    assert.deepEqual(pcmLayoutOf({ ...t, sampleSize: 32, pcmFormatFlags: 1 }), { unsupported: 'floating-point PCM' });
    assert.deepEqual(pcmLayoutOf({ ...t, sampleSize: 16, pcmFormatFlags: 2 }), { unsupported: 'unsigned 16-bit PCM' });
    const ipcm = pcmLayoutOf({ ...t, format: 'ipcm', sampleSize: 16, pcmFormatFlags: 6 });
    assert.ok(!('unsupported' in ipcm) && ipcm.bigEndian);
  });
});

describe('PCM from QuickTime movies and audio files', { skip: fixturesMissing(...movieFixtures, ...fileFixtures) }, () => {
  it('QuickTime stores a frame per sample; regrouped they are 20 ms samples over the same bytes', () => {
    const { file, moov: m } = loadMovie(fixturePath('pcm_s16le.mov'));
    const raw = parseMovie(m, file.length).tracks[0]!;
    assert.equal(raw.samples.count, 4000);
    const grouped = groupPcmSamples(raw);
    assert.equal(grouped.samples.count, 25);
    assert.deepEqual([grouped.samples.offsets[0], grouped.samples.sizes[0], grouped.samples.durations[0], grouped.samples.decodeTimes[1]], [36, 640, 160, 160]);
    assert.equal(groupPcmSamples(grouped), grouped, 'already grouped');
  });

  it('every layout of the tone streams the same L16, L8, PCMU or PCMA bytes', () => {
    const l16 = ['pcm_s16le.mov', 'pcm_s16be.mov'].map(movieFixture);
    assert.ok(l16.every((s) => s.packetizer.rtpmap === 'L16/8000/2'));
    assert.ok(continuous(l16[0]!, 4).equals(continuous(l16[1]!, 4)));
    assert.equal(l16[0]!.packets.length, 25);

    const l8 = ['pcm_u8.mov', 'pcm_s8.mov'].map(movieFixture);
    assert.ok(l8.every((s) => s.packetizer.rtpmap === 'L8/8000/2'));
    assert.ok(continuous(l8[0]!, 2).equals(continuous(l8[1]!, 2)));

    const files16 = ['tone-s16.wav', 'tone-s16.aiff', 'tone-s16.au'].map(audioFileFixture);
    assert.ok(files16.every((s) => s.packetizer.rtpmap === 'L16/8000/1'));
    const mono16 = continuous(files16[0]!, 2);
    assert.equal(mono16.length, 8000);
    for (const s of files16.slice(1)) assert.ok(continuous(s, 2).equals(mono16));

    for (const law of ['ulaw', 'alaw']) {
      const name = law === 'ulaw' ? 'PCMU/8000' : 'PCMA/8000';
      const files = [`tone-${law}.wav`, `tone-${law}.au`, `tone-${law}.aifc`].map(audioFileFixture);
      assert.ok(files.every((s) => s.packetizer.rtpmap === name && s.packets.every((p) => p.payload.length === 160)));
      const bytes = continuous(files[0]!, 1);
      for (const s of files.slice(1)) assert.ok(continuous(s, 1).equals(bytes));
      const stereo = movieFixture(`pcm_${law === 'ulaw' ? 'mulaw' : 'alaw'}.mov`);
      assert.equal(stereo.packetizer.rtpmap, `${name}/2`);
      const interleaved = continuous(stereo, 2);
      assert.equal(interleaved.length, 8000);
      // The stereo movie is one tone in both channels.
      for (let i = 0; i < 4000; i++) assert.equal(interleaved[2 * i], interleaved[2 * i + 1]);
    }
  });
});

describe('groupPcmSamples', () => {
  it('version 0 sound with sample size 1: frames located by chunk, grouped within each run', () => {
    // 16-bit stereo 'twos' whose stsz says 1 byte a sample: 6 frames in 2 chunks of 3.
    const entry = box('twos', soundFields(0, 2, 16, 100));
    const t = trak({ id: 1, handler: 'soun', timescale: 100, entries: [entry], sizes: [1, 1, 1, 1, 1, 1], chunkOffset: 0, delta: 1, chunks: { samplesPerChunk: 3, offsets: [1000, 2000] } });
    const movie: Movie = parseMovie(moov([t]), 10_000);
    const grouped = groupPcmSamples(movie.tracks[0]!, 20); // 2 frames a group at 100 Hz
    assert.deepEqual(Array.from(grouped.samples.offsets), [1000, 1008, 2000, 2008]);
    assert.deepEqual(Array.from(grouped.samples.sizes), [8, 4, 8, 4]);
    assert.deepEqual(Array.from(grouped.samples.decodeTimes), [0, 2, 3, 5]);
    assert.deepEqual(Array.from(grouped.samples.durations), [2, 1, 2, 1]);
  });

  it('leaves other codecs alone', () => {
    const mp4a = box('mp4a', soundFields(0, 2, 16, 100), u32(0));
    const t = parseMovie(moov([trak({ id: 1, handler: 'soun', timescale: 100, entries: [mp4a], sizes: [1, 1], chunkOffset: 0, delta: 1 })]), 10_000).tracks[0]!;
    assert.equal(groupPcmSamples(t), t);
  });
});
