/** Opus over RTP (RFC 7587). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpusPacketizer } from '../../../domain/media/opus/opusPacketizer.js';
import type { RtpPayload } from '../../../domain/media/packetizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing } from './mediaFiles.js';

describe('OpusPacketizer', () => {
  it('always opus/48000/2; sprop-stereo tells what the stream holds', () => {
    const mono = new OpusPacketizer({ payloadType: 111, channels: 1 });
    const stereo = new OpusPacketizer({ payloadType: 111, channels: 2 });
    assert.deepEqual([mono.rtpmap, mono.clockRate, mono.fmtp], ['opus/48000/2', 48000, 'sprop-stereo=0']);
    assert.equal(stereo.fmtp, 'sprop-stereo=1');
  });

  it('one Opus packet per RTP packet; empty (DTX) and oversized samples send nothing', () => {
    const p = new OpusPacketizer({ payloadType: 111, channels: 2 });
    const frame = Buffer.from([0xfc, 1, 2, 3]);
    const [only] = p.packetize(frame, 1400);
    assert.equal(only!.chunks[0], frame);
    assert.equal(only!.marker, false);
    assert.deepEqual(p.packetize(Buffer.alloc(0), 1400), []);
    assert.deepEqual(p.packetize(Buffer.alloc(2000), 1400), []);
    assert.equal(p.oversizedSamples, 1);
  });

  it('opus.mp4 (libopus): picked from the Opus entry, channels from dOps, samples sent whole', { skip: fixturesMissing('opus.mp4') }, () => {
    const f = fixtureTrack('opus.mp4')!;
    const p = createPacketizer(f.track, 97);
    assert.ok(p instanceof OpusPacketizer);
    assert.equal(p.fmtp, 'sprop-stereo=0');
    for (let i = 0; i < f.track.samples.count; i++) {
      const payloads: RtpPayload[] = p.packetize(f.sample(i), 1400);
      assert.equal(payloads.length, 1);
      assert.ok(payloads[0]!.chunks[0]!.equals(f.sample(i)));
    }
    const surround = { ...f.track.descriptions[0]!, extensions: new Map([['dOps', Buffer.from([0, 6])]]) };
    assert.deepEqual(createPacketizer({ ...f.track, descriptions: [surround] }, 97), {
      unsupported: "codec 'Opus' (Opus with 6 channels) has no packetizer yet",
    });
  });
});
