/** MPEG audio over RTP (RFC 2250 MPA, payload type 14), and the frame header reader. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MpaPacketizer } from '../../../domain/media/mpegAudio/mpaPacketizer.js';
import { parseMpegAudioHeader } from '../../../domain/media/mpegAudio/mpegAudioHeader.js';
import type { RtpPayload } from '../../../domain/media/packetizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing } from './mediaFiles.js';

/** Receiver side: joins fragments by their offsets into frames. */
function depacketize(payloads: ReturnType<MpaPacketizer['packetize']>): Buffer {
  const parts: Buffer[] = [];
  let expected = 0;
  for (const p of payloads) {
    const body = Buffer.concat(p.chunks);
    assert.equal(body.readUInt16BE(0), 0, 'MBZ');
    assert.equal(body.readUInt16BE(2), expected, 'fragment offset');
    parts.push(body.subarray(4));
    expected += body.length - 4;
  }
  return Buffer.concat(parts);
}

describe('mpegAudioHeader', () => {
  it('sizes MPEG-1/2 layer III and layer I/II frames', () => {
    const h = parseMpegAudioHeader(Buffer.from('fffb9064', 'hex'))!; // MPEG-1 L3 128 kbit/s 44.1 kHz
    assert.deepEqual([h.version, h.layer, h.bitrate, h.sampleRate, h.channels, h.padding, h.samplesPerFrame, h.frameSize], [1, 3, 128000, 44100, 2, false, 1152, 417]);
    assert.equal(parseMpegAudioHeader(Buffer.from('fffb9264', 'hex'))!.frameSize, 418); // padded
    const mpeg2 = parseMpegAudioHeader(Buffer.from('fff370c4', 'hex'))!; // MPEG-2 L3 56 kbit/s 22.05 kHz mono
    assert.deepEqual([mpeg2.version, mpeg2.samplesPerFrame, mpeg2.frameSize, mpeg2.channels], [2, 576, 182, 1]);
    const layer2 = parseMpegAudioHeader(Buffer.from('fffda400', 'hex'))!; // MPEG-1 L2 192 kbit/s 48 kHz
    assert.deepEqual([layer2.layer, layer2.frameSize, layer2.samplesPerFrame], [2, 576, 1152]);
    const layer1 = parseMpegAudioHeader(Buffer.from('ffffc000', 'hex'))!; // MPEG-1 L1 384 kbit/s 44.1 kHz
    assert.deepEqual([layer1.layer, layer1.frameSize], [1, 416]);
  });

  it('refuses free format, reserved values and non-sync words', () => {
    for (const hex of ['fffb0064', 'fffbf064', 'fffb9c64', 'ffe99064', 'fff99064', '7ffb9064']) assert.equal(parseMpegAudioHeader(Buffer.from(hex, 'hex')), null, hex);
    assert.equal(parseMpegAudioHeader(Buffer.from('fffb90', 'hex')), null);
  });
});

describe('MpaPacketizer', () => {
  it('static payload type 14, MPA/90000, 4-byte header before each frame', () => {
    const p = new MpaPacketizer();
    assert.deepEqual([p.payloadType, p.rtpmap, p.clockRate, p.fmtp], [14, 'MPA/90000', 90000, null]);
    const frame = Buffer.alloc(417, 9);
    const [only] = p.packetize(frame, 1400);
    assert.deepEqual([...only!.chunks[0]!], [0, 0, 0, 0]);
    assert.ok(only!.chunks[1]!.equals(frame));
    assert.equal(only!.chunks[1]!.buffer, frame.buffer, 'no copy');
  });

  it('fragments a frame larger than the payload with byte offsets', () => {
    const frame = Buffer.alloc(1441);
    for (let i = 0; i < frame.length; i++) frame[i] = i & 0xff;
    const payloads = new MpaPacketizer().packetize(frame, 500);
    assert.equal(payloads.length, 3);
    assert.ok(payloads.every((x) => Buffer.concat(x.chunks).length <= 500));
    assert.ok(depacketize(payloads).equals(frame));
  });

  for (const [name, codec] of [
    ['mp3.mp4', "mp4a with object type 0x69 (MPEG-2 audio)"],
    ['mp3.mov', "QuickTime '.mp3'"],
  ] as const) {
    it(`${name}: ${codec} frames go out whole and intact`, { skip: fixturesMissing(name) }, () => {
      const f = fixtureTrack(name)!;
      const p = createPacketizer(f.track, 97);
      assert.ok(p instanceof MpaPacketizer);
      for (let i = 0; i < f.track.samples.count; i++) {
        const sample = f.sample(i);
        assert.ok(parseMpegAudioHeader(sample) !== null, `sample ${i} starts with a frame header`);
        assert.equal(parseMpegAudioHeader(sample)!.frameSize, sample.length);
        const payloads: RtpPayload[] = p.packetize(sample, 1400);
        assert.equal(payloads.length, 1);
        assert.ok(depacketize(payloads).equals(sample));
      }
    });
  }
});
