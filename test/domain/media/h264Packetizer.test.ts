import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAvcConfig, type AvcConfig } from '../../../domain/media/h264/avcConfig.js';
import { H264Packetizer, h264Fmtp } from '../../../domain/media/h264/h264Packetizer.js';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import type { RtpPayload } from '../../../domain/media/packetizer.js';
import { hintedAvailable, hintedPath, loadMovie, samplePath } from './mediaFiles.js';

const { file, moov } = loadMovie(samplePath);
const video = parseMovie(moov, file.length).tracks.find((t) => t.kind === 'video')!;
const config = parseAvcConfig(video.descriptions[0]!.avcConfig!);

function sampleBytes(i: number): Buffer {
  const offset = video.samples.offsets[i]!;
  return file.subarray(offset, offset + video.samples.sizes[i]!);
}

/** NAL units of a length-prefixed sample, parsed independently of the code under test. */
function nalsOf(sample: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < sample.length; ) {
    const n = sample.readUInt32BE(pos);
    out.push(sample.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return out;
}

/** Undoes RFC 6184 mode 1 packetization, checking FU-A structure on the way. */
function reassemble(payloads: RtpPayload[]): Buffer[] {
  const nals: Buffer[] = [];
  let fu: Buffer[] | null = null;
  for (const p of payloads) {
    const data = Buffer.concat(p.chunks);
    const type = data[0]! & 0x1f;
    if (type !== 28) {
      assert.equal(fu, null, 'single NAL inside an FU-A run');
      nals.push(data);
      continue;
    }
    const header = data[1]!;
    const start = (header & 0x80) !== 0;
    const end = (header & 0x40) !== 0;
    assert.equal(start, fu === null, 'S bit only on the first fragment');
    if (start) fu = [Buffer.from([(data[0]! & 0xe0) | (header & 0x1f)])];
    fu!.push(data.subarray(2));
    if (end) {
      nals.push(Buffer.concat(fu!));
      fu = null;
    }
  }
  assert.equal(fu, null, 'unterminated FU-A');
  return nals;
}

describe('parseAvcConfig', () => {
  it('reads the sample movie avcC', () => {
    assert.equal(config.profileIndication, 77); // Main
    assert.equal(config.levelIndication, 13); // level=13
    assert.equal(config.nalLengthSize, 4); // nal_length_size=4
    assert.deepEqual(config.sps.map((b) => b.toString('hex')), ['674d400deca0a0fd80880000030008000003019078a14cb0']);
    assert.deepEqual(config.pps.map((b) => b.toString('hex')), ['68ebecb2']);
  });

  it('throws MovieFormatError on a truncated or wrong-version record', () => {
    const raw = video.descriptions[0]!.avcConfig!;
    for (let n = 0; n < raw.length; n++) {
      assert.throws(() => parseAvcConfig(raw.subarray(0, n)), MovieFormatError, `cut at ${n}`);
    }
    const wrong = Buffer.from(raw);
    wrong[0] = 2;
    assert.throws(() => parseAvcConfig(wrong), MovieFormatError);
  });
});

describe('H264Packetizer', () => {
  const packetizer = new H264Packetizer({ payloadType: 96, config, width: 320, height: 240 });

  it('announces H264/90000 with the sample fmtp', () => {
    assert.equal(packetizer.clockRate, 90000);
    assert.equal(packetizer.mediaType, 'video');
    assert.equal(packetizer.rtpmap, 'H264/90000');
    assert.equal(
      packetizer.fmtp,
      'packetization-mode=1;profile-level-id=4D400D;sprop-parameter-sets=Z01ADeygoP2AiAAAAwAIAAADAZB4oUyw,aOvssg==',
    );
    assert.deepEqual(packetizer.extraAttributes, ['framesize:96 320-240']);
  });

  it('round-trips every sample through single NAL and FU-A packets', () => {
    for (const max of [1400, 100, 3]) {
      for (let i = 0; i < video.samples.count; i += max === 3 ? 25 : 1) {
        const sample = sampleBytes(i);
        const payloads = packetizer.packetize(sample, max);
        for (const p of payloads) {
          assert.ok(p.chunks.reduce((n, c) => n + c.length, 0) <= max, 'payload too big');
          // NAL bytes are views into the sample, not copies.
          const data = p.chunks.at(-1)!;
          assert.equal(data.buffer, sample.buffer);
        }
        assert.deepEqual(payloads.map((p) => p.marker), payloads.map((_, k) => k === payloads.length - 1));
        assert.deepEqual(reassemble(payloads), nalsOf(sample));
      }
    }
  });

  it('sends a NAL that fits as is and fragments a large one', () => {
    const sample = sampleBytes(0); // SEI (~700 bytes) + IDR slice (~2500 bytes)
    const nals = nalsOf(sample);
    const payloads = packetizer.packetize(sample, 1400);
    assert.equal(payloads[0]!.chunks.length, 1);
    assert.deepEqual(payloads[0]!.chunks[0], nals[0]);
    const fus = payloads.filter((p) => (p.chunks[0]![0]! & 0x1f) === 28);
    assert.ok(fus.length >= 2);
    const idrHeader = nals.at(-1)![0]!;
    assert.equal(fus[0]!.chunks[0]![0], (idrHeader & 0xe0) | 28);
    assert.equal(fus[0]!.chunks[0]![1], 0x80 | (idrHeader & 0x1f));
    assert.equal(fus.at(-1)!.chunks[0]![1], 0x40 | (idrHeader & 0x1f));
  });

  it('skips the rest of a sample whose NAL length runs past its end', () => {
    const nals = nalsOf(sampleBytes(0));
    const good = Buffer.concat([Buffer.alloc(4), nals[0]!]);
    good.writeUInt32BE(nals[0]!.length, 0);
    const bad = Buffer.from([0, 0, 0x10, 0, 0x65, 1, 2, 3]);
    const p = new H264Packetizer({ payloadType: 96, config });
    const payloads = p.packetize(Buffer.concat([good, bad]), 1400);
    assert.equal(payloads.length, 1);
    assert.deepEqual(payloads[0], { chunks: [nals[0]], marker: true });
    assert.equal(p.malformedSamples, 1);
    assert.deepEqual(p.packetize(Buffer.from([0, 0]), 1400), []);
    assert.deepEqual(p.packetize(Buffer.alloc(0), 1400), []);
  });

  it('falls back to avcC profile fields without an SPS', () => {
    const bare: AvcConfig = { ...config, sps: [], pps: [] };
    assert.equal(h264Fmtp(bare), 'packetization-mode=1;profile-level-id=4D400D');
  });

  it('matches the fmtp Apple wrote into the hinted movie', { skip: !hintedAvailable() }, () => {
    const hinted = loadMovie(hintedPath);
    const movie = parseMovie(hinted.moov, hinted.file.length);
    const v = movie.tracks.find((t) => t.kind === 'video')!;
    const fmtp = h264Fmtp(parseAvcConfig(v.descriptions[0]!.avcConfig!));
    // From moov/trak[3]/udta/hnti/sdp : a=fmtp:96 ...
    assert.equal(fmtp, 'packetization-mode=1;profile-level-id=4D400C;sprop-parameter-sets=J01ADKkYYELxCA==,KM4JiA==');
    assert.ok(movie.tracks[2]!.userData.get('hnti')!.toString('latin1').includes(`a=fmtp:96 ${fmtp}\r\n`));
  });
});
