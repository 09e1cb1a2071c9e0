import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AacPacketizer } from '../../../domain/media/aac/aacPacketizer.js';
import { parseAudioSpecificConfig } from '../../../domain/media/aac/audioSpecificConfig.js';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import type { Packetizer } from '../../../domain/media/packetizer.js';
import { hintedAvailable, hintedPath, loadMovie, samplePath } from './mediaFiles.js';

const { file, moov } = loadMovie(samplePath);
const audio = parseMovie(moov, file.length).tracks.find((t) => t.kind === 'audio')!;

function packetizerFor(): Packetizer {
  const p = createPacketizer(audio, 97);
  assert.ok(!('unsupported' in p), 'unsupported' in p ? p.unsupported : '');
  return p;
}

describe('parseAudioSpecificConfig', () => {
  it('reads the sample movie config (AAC-LC, 44.1 kHz, stereo)', () => {
    const c = parseAudioSpecificConfig(audio.descriptions[0]!.audioSpecificConfig!);
    assert.deepEqual(c, { objectType: 2, samplingFrequencyIndex: 4, samplingFrequency: 44100, channelConfiguration: 2 });
  });

  it('reads the escaped object type and an explicit sampling frequency', () => {
    // objectType 31 + 6 bits (42 - 32 = 10) | index 0xF | 24-bit 12345 | channels 1
    const bits = '11111' + '001010' + '1111' + (12345).toString(2).padStart(24, '0') + '0001';
    const bytes = Buffer.from(bits.padEnd(48, '0').match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    assert.deepEqual(parseAudioSpecificConfig(bytes), {
      objectType: 42,
      samplingFrequencyIndex: 15,
      samplingFrequency: 12345,
      channelConfiguration: 1,
    });
  });

  it('reads explicit SBR signalling (HE-AAC 24 kHz core, 48 kHz output)', () => {
    // objectType 5 | index 6 (24000) | channels 2 | extension index 3 (48000) | objectType 2
    const bits = '00101' + '0110' + '0010' + '0011' + '00010';
    const bytes = Buffer.from(bits.padEnd(24, '0').match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    const c = parseAudioSpecificConfig(bytes);
    assert.equal(c.samplingFrequency, 24000);
    assert.equal(c.extensionSamplingFrequency, 48000);
  });

  it('rejects truncated configs and reserved frequency indexes', () => {
    assert.throws(() => parseAudioSpecificConfig(Buffer.from([0x12])), MovieFormatError);
    assert.throws(() => parseAudioSpecificConfig(Buffer.alloc(0)), MovieFormatError);
    assert.throws(() => parseAudioSpecificConfig(Buffer.from([0x16, 0x90])), MovieFormatError); // index 13
  });
});

describe('AacPacketizer', () => {
  it('announces mpeg4-generic with the config of the sample track', () => {
    const p = packetizerFor();
    assert.equal(p.mediaType, 'audio');
    assert.equal(p.clockRate, 44100);
    assert.equal(p.rtpmap, 'mpeg4-generic/44100/2');
    assert.equal(
      p.fmtp,
      'streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=121056e500',
    );
  });

  it('puts one AU per packet behind a 4-byte AU header section, marker set', () => {
    const p = packetizerFor();
    const offset = audio.samples.offsets[0]!;
    const au = file.subarray(offset, offset + audio.samples.sizes[0]!); // 133 bytes
    const payloads = p.packetize(au, 1400);
    assert.equal(payloads.length, 1);
    const [header, data] = payloads[0]!.chunks;
    // AU-headers-length 16 bits; AU-size 133 = 0b0000100_00101 -> 0x04, 0x28 with AU-Index 0.
    assert.deepEqual([...header!], [0x00, 0x10, 0x04, 0x28]);
    assert.equal(data!.buffer, file.buffer); // a view, not a copy
    assert.deepEqual(data, au);
    assert.equal(payloads[0]!.marker, true);
  });

  it('fragments an AU larger than the payload, marker on the last fragment only', () => {
    const p = new AacPacketizer({ payloadType: 97, config: Buffer.from([0x12, 0x10]), sampleRate: 44100, channels: 2 });
    const au = Buffer.alloc(1000, 7).fill(9, 600);
    const payloads = p.packetize(au, 304);
    assert.equal(payloads.length, 4);
    for (const pl of payloads) {
      // Each fragment's AU-size is the whole AU's: 1000 = 0x1F, 0x40.
      assert.deepEqual([...pl.chunks[0]!], [0x00, 0x10, 1000 >> 5, (1000 & 0x1f) << 3]);
      assert.ok(pl.chunks[0]!.length + pl.chunks[1]!.length <= 304);
    }
    assert.deepEqual(payloads.map((pl) => pl.marker), [false, false, false, true]);
    assert.deepEqual(Buffer.concat(payloads.map((pl) => pl.chunks[1]!)), au);
  });

  it('skips empty and oversized AUs instead of mislabelling them', () => {
    const p = new AacPacketizer({ payloadType: 97, config: Buffer.from([0x12, 0x10]), sampleRate: 44100, channels: 2 });
    assert.deepEqual(p.packetize(Buffer.alloc(0), 1400), []);
    assert.deepEqual(p.packetize(Buffer.alloc(8192), 1400), []);
    assert.equal(p.oversizedSamples, 1);
    assert.equal(p.packetize(Buffer.alloc(8191), 1400).length, 6);
  });

  it('matches what Apple announced for the hinted movie', { skip: !hintedAvailable() }, () => {
    const hinted = loadMovie(hintedPath);
    const track = parseMovie(hinted.moov, hinted.file.length).tracks[0]!;
    const p = createPacketizer(track, 97);
    assert.ok(!('unsupported' in p));
    assert.equal(p.rtpmap, 'mpeg4-generic/8000/2'); // hnti: a=rtpmap:97 mpeg4-generic/8000/2
    assert.equal(p.clockRate, 8000);
    assert.match(p.fmtp!, /;config=1590$/);
  });
});
