/**
 * parseMovie against the two sample movies. The expected values are facts read with
 * ffprobe (-show_streams, -show_packets) and written down as literals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MovieTrack } from '../../../domain/media/movie.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { hintedAvailable, hintedPath, loadMovie, samplePath } from './mediaFiles.js';

function byKind(tracks: readonly MovieTrack[], kind: MovieTrack['kind']): MovieTrack[] {
  return tracks.filter((t) => t.kind === kind);
}

describe('parseMovie: adapters/files/sample/sample.mp4', () => {
  const { file, moov } = loadMovie(samplePath);
  const movie = parseMovie(moov, file.length);

  it('has the movie header and two tracks', () => {
    // ffprobe format duration=10.080000
    assert.equal(movie.duration / movie.timescale, 10.08);
    assert.equal(movie.tracks.length, 2);
    assert.ok(movie.userData.has('meta'));
  });

  it('video track: H.264 main, 320x240, 250 samples, 5 key frames', () => {
    const [video] = byKind(movie.tracks, 'video');
    assert.ok(video);
    assert.equal(video.id, 1);
    assert.equal(video.handler, 'vide');
    assert.equal(video.timescale, 12800); // time_base=1/12800
    assert.equal(video.duration, 128000); // duration_ts
    const d = video.descriptions[0]!;
    assert.equal(d.format, 'avc1');
    assert.equal(d.width, 320);
    assert.equal(d.height, 240);
    // ffprobe -show_data extradata (39 bytes)
    assert.equal(d.avcConfig?.toString('hex'), '014d400dffe10018674d400deca0a0fd80880000030008000003019078a14cb001000468ebecb2');
    const s = video.samples;
    assert.equal(s.count, 250); // nb_frames
    assert.equal(s.offsets[0], 9179); // first packet pos
    assert.equal(s.sizes[0], 3260);
    assert.equal(s.offsets[249], 311266); // last packet pos
    assert.equal(s.sizes[249], 702);
    assert.deepEqual(Array.from(s.syncSamples ?? []), [0, 50, 100, 150, 200]); // K flags
    assert.equal(s.offsets[50], 61211);
    // Packets: dts 0/512/1024..., pts 1024, 2560, 1536, 2048, 4096.
    assert.deepEqual(Array.from(s.decodeTimes.subarray(0, 3)), [0, 512, 1024]);
    assert.deepEqual(Array.from(s.durations.subarray(0, 3)), [512, 512, 512]);
    assert.deepEqual(Array.from(s.compositionOffsets.subarray(0, 5)), [1024, 2048, 512, 512, 2048]);
    assert.ok(s.descriptionIndexes.every((i) => i === 1));
  });

  it('audio track: AAC-LC stereo 44.1 kHz, 432 samples', () => {
    const [audio] = byKind(movie.tracks, 'audio');
    assert.ok(audio);
    assert.equal(audio.id, 2);
    assert.equal(audio.timescale, 44100);
    assert.equal(audio.duration, 444528);
    const d = audio.descriptions[0]!;
    assert.equal(d.format, 'mp4a');
    assert.equal(d.channelCount, 2);
    assert.equal(d.sampleRate, 44100);
    assert.equal(d.objectTypeIndication, 0x40);
    assert.equal(d.audioSpecificConfig?.toString('hex'), '121056e500'); // extradata
    const s = audio.samples;
    assert.equal(s.count, 432);
    assert.equal(s.offsets[0], 13378);
    assert.equal(s.sizes[0], 133);
    assert.equal(s.offsets[431], 312707);
    assert.equal(s.sizes[431], 185);
    assert.equal(s.syncSamples, null);
    // Packet durations: one of 3528, 430 of 1024, one of 680.
    assert.equal(s.durations[0], 3528);
    assert.equal(s.durations[1], 1024);
    assert.equal(s.durations[431], 680);
    assert.equal(s.decodeTimes[431]! + s.durations[431]!, 444528);
  });

  it('every sample lies inside the file', () => {
    for (const t of movie.tracks) {
      for (let i = 0; i < t.samples.count; i++) {
        assert.ok(t.samples.offsets[i]! + t.samples.sizes[i]! <= file.length);
      }
    }
  });
});

describe('parseMovie: Apple-hinted sample_h264_100kbit.mp4', { skip: !hintedAvailable() && `${hintedPath} is missing` }, () => {
  const load = () => {
    const { file, moov } = loadMovie(hintedPath);
    return parseMovie(moov, file.length);
  };

  it('has AAC, H.264 and two RTP hint tracks', () => {
    const movie = load();
    assert.equal(movie.timescale, 600);
    assert.deepEqual(
      movie.tracks.map((t) => [t.id, t.kind, t.descriptions[0]?.format]),
      [
        [1, 'audio', 'mp4a'],
        [2, 'video', 'avc1'],
        [3, 'hint', 'rtp '],
        [4, 'hint', 'rtp '],
      ],
    );
    const [audio, video] = movie.tracks;
    // ffprobe: 8000 Hz stereo, 547 frames, extradata 1590; 192x242, 2100 frames, 35 key frames.
    assert.equal(audio!.timescale, 8000);
    assert.equal(audio!.samples.count, 547);
    assert.equal(audio!.samples.offsets[0], 53230);
    assert.equal(audio!.samples.sizes[0], 7);
    assert.equal(audio!.descriptions[0]!.audioSpecificConfig?.toString('hex'), '1590');
    assert.equal(audio!.descriptions[0]!.channelCount, 2);
    assert.equal(video!.timescale, 600);
    assert.equal(video!.samples.count, 2100);
    assert.equal(video!.samples.offsets[0], 53673);
    assert.equal(video!.samples.sizes[0], 184);
    assert.equal(video!.samples.syncSamples?.length, 35);
    assert.equal(video!.descriptions[0]!.width, 192);
    assert.equal(video!.descriptions[0]!.height, 242);
    assert.equal(video!.descriptions[0]!.avcConfig?.toString('hex'), '014d400cffe1000a274d400ca9186042f10801000428ce0988');
  });

  it('exposes hint sample descriptions, tref and hnti', () => {
    const movie = load();
    const [, , videoHint, audioHint] = movie.tracks;
    assert.equal(videoHint!.timescale, 90000);
    assert.equal(videoHint!.samples.count, 2099);
    assert.equal(audioHint!.samples.count, 547);
    assert.deepEqual(videoHint!.references.get('hint'), [2]);
    assert.deepEqual(audioHint!.references.get('hint'), [1]);
    const rtp = videoHint!.descriptions[0]!;
    assert.equal(rtp.maxPacketSize, 1450);
    // 'tims' holds the RTP timescale.
    assert.equal(rtp.extensions.get('tims')?.readUInt32BE(0), 90000);
    assert.equal(audioHint!.descriptions[0]!.extensions.get('tims')?.readUInt32BE(0), 8000);
    // Track hnti holds an 'sdp ' box with the media-level SDP.
    const hnti = videoHint!.userData.get('hnti')!;
    assert.equal(hnti.toString('latin1', 4, 8), 'sdp ');
    assert.match(hnti.toString('latin1', 8), /^m=video 0 RTP\/AVP 96\r\n/);
    assert.match(audioHint!.userData.get('hnti')!.toString('latin1'), /a=rtpmap:97 mpeg4-generic\/8000\/2/);
    // Movie hnti holds an 'rtp ' box: description format 'sdp ' then session-level SDP.
    const movieHnti = movie.userData.get('hnti')!;
    assert.equal(movieHnti.toString('latin1', 4, 12), 'rtp sdp ');
    assert.match(movieHnti.toString('latin1', 12), /^b=AS:2097172\r\na=isma-compliance/);
  });
});
