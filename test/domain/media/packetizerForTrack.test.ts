import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AacPacketizer } from '../../../domain/media/aac/aacPacketizer.js';
import { H264Packetizer } from '../../../domain/media/h264/h264Packetizer.js';
import type { MovieTrack, SampleDescription } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing, hintedAvailable, hintedPath, loadMovie, samplePath } from './mediaFiles.js';

const { file, moov } = loadMovie(samplePath);
const movie = parseMovie(moov, file.length);

function withDescription(track: MovieTrack, description: Partial<SampleDescription>): MovieTrack {
  return { ...track, descriptions: [{ ...track.descriptions[0]!, ...description }] };
}

describe('createPacketizer', () => {
  it('picks H.264 and AAC for the sample movie', () => {
    const [video, audio] = movie.tracks;
    const v = createPacketizer(video!, 96);
    const a = createPacketizer(audio!, 97);
    assert.ok(v instanceof H264Packetizer);
    assert.equal(v.payloadType, 96);
    assert.ok(a instanceof AacPacketizer);
    assert.equal(a.payloadType, 97);
  });

  it('names codecs it cannot packetize', () => {
    const [video, audio] = movie.tracks;
    assert.deepEqual(createPacketizer(withDescription(video!, { format: 'av01' }), 96), {
      unsupported: "codec 'av01' (AV1) has no packetizer yet",
    });
    assert.deepEqual(createPacketizer(withDescription(video!, { format: 'zzzz' }), 96), {
      unsupported: "codec 'zzzz' has no packetizer yet",
    });
    assert.deepEqual(createPacketizer(withDescription(audio!, { objectTypeIndication: 0xa5 }), 97), {
      unsupported: "codec 'mp4a' (AC-3 0xa5) has no packetizer yet",
    });
    assert.deepEqual(createPacketizer({ ...video!, descriptions: [] }, 96), {
      unsupported: 'the track has no sample description',
    });
  });

  it('reports a broken codec config as unsupported instead of throwing', () => {
    const [video, audio] = movie.tracks;
    const v = createPacketizer(withDescription(video!, { avcConfig: Buffer.from([1, 2]) }), 96);
    assert.ok('unsupported' in v && /avcC/.test(v.unsupported));
    const a = createPacketizer(withDescription(audio!, { audioSpecificConfig: Buffer.from([0x12]) }), 97);
    assert.ok('unsupported' in a && /AudioSpecificConfig/.test(a.unsupported));
  });

  it('gives hint tracks no packetizer (they stream through adapters/rtp/hintSampleCursor.ts)', { skip: !hintedAvailable() }, () => {
    const hinted = loadMovie(hintedPath);
    const hint = parseMovie(hinted.moov, hinted.file.length).tracks[2]!;
    assert.deepEqual(createPacketizer(hint, 96), { unsupported: "codec 'rtp ' (RTP hint track) has no packetizer yet" });
  });

  const fixtures: Array<[string, number, string, string | null]> = [
    ['hevc.mp4', 96, 'H265/90000', null],
    ['mpeg4.mp4', 96, 'MP4V-ES/90000', null],
    ['mjpeg-restart.mov', 26, 'JPEG/90000', null],
    ['opus.mp4', 96, 'opus/48000/2', 'sprop-stereo=0'],
    ['mp3.mp4', 14, 'MPA/90000', null],
    ['mp3.mov', 14, 'MPA/90000', null],
    ['pcm_mulaw.mov', 96, 'PCMU/8000/2', null],
    ['pcm_alaw.mov', 96, 'PCMA/8000/2', null],
    ['pcm_s16le.mov', 96, 'L16/8000/2', null],
    ['pcm_s16be.mov', 96, 'L16/8000/2', null],
    ['pcm_u8.mov', 96, 'L8/8000/2', null],
    ['pcm_s8.mov', 96, 'L8/8000/2', null],
  ];
  it('picks the packetizer of every fixture codec', { skip: fixturesMissing(...fixtures.map((f) => f[0])) }, () => {
    for (const [name, pt, rtpmap, fmtp] of fixtures) {
      const p = createPacketizer(fixtureTrack(name)!.track, 96);
      assert.ok(!('unsupported' in p), `${name}: ${JSON.stringify(p)}`);
      assert.deepEqual([p.payloadType, p.rtpmap], [pt, rtpmap], name);
      if (fmtp !== null) assert.equal(p.fmtp, fmtp);
    }
  });
});
