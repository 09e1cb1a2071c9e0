/** H.265 over RTP (RFC 7798): single NAL unit packets and FUs, checked against libx265 output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H265Packetizer } from '../../../domain/media/h265/h265Packetizer.js';
import { HEVC_NAL_PPS, HEVC_NAL_SPS, HEVC_NAL_VPS, parseHevcConfig } from '../../../domain/media/h265/hevcConfig.js';
import type { RtpPayload } from '../../../domain/media/packetizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing } from './mediaFiles.js';
import { H265Depacketizer, joined, nalUnitsOf } from './rtpDepacketizers.js';

/** A 2-byte NAL header: F=0, type, LayerId, TID+1. */
function nal(type: number, size: number, layerId = 0, tid = 1): Buffer {
  const b = Buffer.alloc(size, 0xab);
  b[0] = (type << 1) | (layerId >> 5);
  b[1] = ((layerId & 0x1f) << 3) | tid;
  return b;
}

function lengthPrefixed(...units: Buffer[]): Buffer {
  return Buffer.concat(units.flatMap((u) => [Buffer.from([0, 0, u.length >> 8, u.length & 0xff]), u]));
}

const config = parseHevcConfig(
  Buffer.concat([
    Buffer.from('01016000000090000000000078f000fcfdf8f800000f03', 'hex'),
    Buffer.from([0xa0, 0, 1, 0, 3, 0x40, 0x01, 0x0c, 0xa1, 0, 1, 0, 2, 0x42, 0x01, 0xa2, 0, 1, 0, 2, 0x44, 0x01]),
  ]),
);

describe('H265Packetizer', () => {
  it('announces H265/90000 with profile, tier, level and the parameter sets from hvcC', () => {
    const p = new H265Packetizer({ payloadType: 98, config, width: 640, height: 360 });
    assert.equal(p.rtpmap, 'H265/90000');
    assert.equal(p.fmtp, 'profile-id=1;tier-flag=0;level-id=120;sprop-vps=QAEM;sprop-sps=QgE=;sprop-pps=RAE=');
    assert.deepEqual(p.extraAttributes, ['framesize:98 640-360']);
    assert.deepEqual([config.vps.length, config.sps.length, config.pps.length, config.nalLengthSize], [1, 1, 1, 4]);
    assert.deepEqual([HEVC_NAL_VPS, HEVC_NAL_SPS, HEVC_NAL_PPS], [32, 33, 34]);
  });

  it('sends a NAL unit that fits as it is, and the marker on the last packet of the access unit', () => {
    const p = new H265Packetizer({ payloadType: 98, config });
    const a = nal(39, 20); // prefix SEI
    const b = nal(19, 300); // IDR_W_RADL
    const payloads = p.packetize(lengthPrefixed(a, b), 1400);
    assert.equal(payloads.length, 2);
    assert.equal(payloads[0]!.chunks.length, 1);
    assert.ok(payloads[0]!.chunks[0]!.equals(a));
    assert.deepEqual(payloads.map((x) => x.marker), [false, true]);
  });

  it('fragments a large NAL unit into FUs (type 49) keeping F, LayerId and TID, with S and E', () => {
    const p = new H265Packetizer({ payloadType: 98, config });
    const big = nal(1, 1000, 5, 3);
    const payloads = p.packetize(lengthPrefixed(big), 403);
    // 998 bytes after the header, 400 a fragment.
    assert.equal(payloads.length, 3);
    const headers = payloads.map((x) => x.chunks[0]!);
    for (const h of headers) {
      assert.equal((h[0]! >> 1) & 0x3f, 49);
      assert.equal(((h[0]! & 1) << 5) | (h[1]! >> 3), 5, 'LayerId');
      assert.equal(h[1]! & 7, 3, 'TID');
      assert.equal(h[2]! & 0x3f, 1, 'FU type');
    }
    assert.deepEqual(headers.map((h) => h[2]! >> 6), [2, 0, 1]); // S, -, E
    assert.ok(payloads.every((x) => joined(x.chunks).length <= 403));
    const d = new H265Depacketizer();
    for (const x of payloads) d.push(joined(x.chunks));
    assert.ok(d.units[0]!.equals(big));
    assert.deepEqual(payloads.map((x) => x.marker), [false, false, true]);
  });

  it('skips NAL units shorter than their header and counts truncated samples', () => {
    const p = new H265Packetizer({ payloadType: 98, config });
    assert.deepEqual(p.packetize(lengthPrefixed(Buffer.from([2, 1])), 1400), []);
    p.packetize(Buffer.from([0, 0, 0, 9, 1]), 1400);
    assert.equal(p.malformedSamples, 1);
    assert.throws(() => p.packetize(Buffer.alloc(0), 3), RangeError);
  });

  it('hevc.mp4 (libx265): every sample reassembles exactly at several payload sizes', { skip: fixturesMissing('hevc.mp4') }, () => {
    const f = fixtureTrack('hevc.mp4')!;
    const p = createPacketizer(f.track, 96);
    assert.ok(p instanceof H265Packetizer);
    assert.match(p.fmtp, /^profile-id=1;tier-flag=0;level-id=\d+;sprop-vps=[^;]+;sprop-sps=[^;]+;sprop-pps=[^;]+$/);
    assert.deepEqual(p.extraAttributes, ['framesize:96 160-120']);
    let fragments = 0;
    for (const size of [1400, 500, 100]) {
      for (let i = 0; i < f.track.samples.count; i++) {
        const sample = f.sample(i);
        const payloads: RtpPayload[] = p.packetize(sample, size);
        const d = new H265Depacketizer();
        for (const x of payloads) {
          const body = joined(x.chunks);
          assert.ok(body.length <= size);
          d.push(body);
        }
        fragments += d.kinds.fu;
        const expected = nalUnitsOf(sample, 4);
        assert.equal(d.units.length, expected.length);
        d.units.forEach((u, n) => assert.ok(u.equals(expected[n]!), `sample ${i} NAL ${n} at ${size}`));
        assert.deepEqual(payloads.map((x) => x.marker), payloads.map((_, n) => n === payloads.length - 1));
      }
    }
    assert.ok(fragments > 0);
  });

  it('hev1 is H.265 too; a missing hvcC is reported', { skip: fixturesMissing('hevc.mp4') }, () => {
    const f = fixtureTrack('hevc.mp4')!;
    const d = f.track.descriptions[0]!;
    assert.ok(createPacketizer({ ...f.track, descriptions: [{ ...d, format: 'hev1' }] }, 96) instanceof H265Packetizer);
    assert.deepEqual(createPacketizer({ ...f.track, descriptions: [{ format: 'hvc1', extensions: new Map() }] }, 96), {
      unsupported: "codec 'hvc1' (H.265) has no hvcC box",
    });
  });
});
