/** MPEG-4 Visual over RTP (RFC 6416 MP4V-ES), checked against ffmpeg's mpeg4 encoder. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Mp4vPacketizer, profileLevelOf } from '../../../domain/media/mpeg4Visual/mp4vPacketizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing } from './mediaFiles.js';
import { joined } from './rtpDepacketizers.js';

describe('Mp4vPacketizer', () => {
  it('fmtp: profile-level-id from the VOS header (default 1) and config in hex', () => {
    const config = Buffer.from('000001b0f5000001b509000001000000012000845d4c285020f0a21f', 'hex');
    const p = new Mp4vPacketizer({ payloadType: 96, config, width: 352, height: 288 });
    assert.equal(p.rtpmap, 'MP4V-ES/90000');
    assert.equal(p.fmtp, `profile-level-id=245;config=${config.toString('hex').toUpperCase()}`);
    assert.deepEqual(p.extraAttributes, ['framesize:96 352-288']);
    assert.equal(profileLevelOf(Buffer.from('000001000000012000', 'hex')), 1);
    assert.equal(new Mp4vPacketizer({ payloadType: 96, config: null }).fmtp, 'profile-level-id=1');
  });

  it('a VOP that fits is one packet; a larger one consecutive pieces, the marker on the last', () => {
    const p = new Mp4vPacketizer({ payloadType: 96, config: null });
    const vop = Buffer.alloc(1000, 7);
    assert.deepEqual(p.packetize(vop, 1400).map((x) => [x.chunks.length, x.marker]), [[1, true]]);
    const parts = p.packetize(vop, 300);
    assert.deepEqual(parts.map((x) => joined(x.chunks).length), [300, 300, 300, 100]);
    assert.deepEqual(parts.map((x) => x.marker), [false, false, false, true]);
    assert.ok(Buffer.concat(parts.flatMap((x) => x.chunks)).equals(vop));
    assert.equal(parts[1]!.chunks[0]!.buffer, vop.buffer, 'no copy');
  });

  it('mpeg4.mp4 (ffmpeg mpeg4): config from esds, every sample reassembles', { skip: fixturesMissing('mpeg4.mp4') }, () => {
    const f = fixtureTrack('mpeg4.mp4')!;
    const p = createPacketizer(f.track, 96);
    assert.ok(p instanceof Mp4vPacketizer);
    // ffmpeg writes VOS with profile_and_level_indication 1 (Simple Profile L1), then VO and VOL.
    assert.match(p.fmtp, /^profile-level-id=1;config=000001B001000001B5[0-9A-F]+$/);
    for (let i = 0; i < f.track.samples.count; i++) {
      const sample = f.sample(i);
      const payloads = p.packetize(sample, 1400);
      assert.ok(Buffer.concat(payloads.flatMap((x) => x.chunks)).equals(sample));
      assert.ok(payloads.every((x, n) => x.marker === (n === payloads.length - 1)));
    }
  });

  it('MPEG-2 video in an mp4v entry is named, not sent as MPEG-4', { skip: fixturesMissing('mpeg4.mp4') }, () => {
    const f = fixtureTrack('mpeg4.mp4')!;
    const esds = Buffer.from(f.track.descriptions[0]!.extensions.get('esds')!);
    esds[esds.indexOf(Buffer.from([0x04, 0x80, 0x80, 0x80])) + 5] = 0x61;
    const d = { ...f.track.descriptions[0]!, extensions: new Map([['esds', esds]]) };
    assert.deepEqual(createPacketizer({ ...f.track, descriptions: [d] }, 96), {
      unsupported: "codec 'mp4v' (MPEG-2 video 0x61) has no packetizer yet",
    });
  });
});
