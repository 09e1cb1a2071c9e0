/**
 * Streaming from RTP hint tracks, proven against two hinters: Apple's (the DSS sample
 * movie, QuickTime's full format: STAP-A built from immediate + sample constructors,
 * 'rtpo' timestamp offsets, B-frame flags, hinf statistics) and ffmpeg's (the subset
 * `-movflags +rtphint` writes: several AUs per AAC packet, STAP-A sizes read from the
 * sample's own length prefixes, several hint samples at one time). Every payload built
 * from the hints must reassemble into exactly the media samples it references.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildHintPayload, descriptionResolverFor, type SampleBytesResolver } from '../../../domain/media/hint/hintPayload.js';
import { hintedPresentation, hintRtpTimestamp, hintTransmissionSeconds, type HintedTrack } from '../../../domain/media/hint/hintedPresentation.js';
import { buildHintedSdp } from '../../../domain/media/hint/hintedSdp.js';
import { parseHintSample, type HintPacket } from '../../../domain/media/hint/hintSample.js';
import type { Movie, MovieTrack } from '../../../domain/media/movie.js';
import { parseAvcConfig } from '../../../domain/media/h264/avcConfig.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixturePath, hintedAvailable, hintedPath, loadMovie } from './mediaFiles.js';
import { AacHbrDepacketizer, H264Depacketizer, joined, nalUnitsOf } from './rtpDepacketizers.js';

interface Sent {
  readonly sampleIndex: number;
  readonly packet: HintPacket;
  readonly payload: Buffer;
}

interface Hinted {
  readonly file: Buffer;
  readonly movie: Movie;
  sampleBytes(track: MovieTrack, index: number): Buffer;
  /** Every packet of a hint track, in order, with its payload built from the file. */
  send(track: HintedTrack): Sent[];
}

function open(path: string): Hinted {
  const { file, moov } = loadMovie(path);
  const movie = parseMovie(moov, file.length);
  const sampleBytes = (track: MovieTrack, i: number) => file.subarray(track.samples.offsets[i]!, track.samples.offsets[i]! + track.samples.sizes[i]!);
  const resolve: SampleBytesResolver = (trackId, sampleIndex, offset, length) => {
    const track = movie.tracks.find((t) => t.id === trackId)!;
    const at = track.samples.offsets[sampleIndex]! + offset;
    return file.subarray(at, at + length);
  };
  const describeBytes = descriptionResolverFor(movie);
  return {
    file,
    movie,
    sampleBytes,
    send(track) {
      const out: Sent[] = [];
      const hint = track.hintTrack;
      for (let i = 0; i < hint.samples.count; i++) {
        for (const packet of parseHintSample(sampleBytes(hint, i), hint, { movie, sampleIndex: i })) {
          const chunks = buildHintPayload(packet, resolve, describeBytes);
          assert.ok(chunks !== null);
          out.push({ sampleIndex: i, packet, payload: joined(chunks) });
        }
      }
      return out;
    },
  };
}

/** Media samples referenced by a hint sample's constructors, in first-reference order. */
function referenced(packets: readonly Sent[], mediaTrackId: number): number[] {
  const seen: number[] = [];
  for (const { packet } of packets) {
    for (const c of packet.constructors) {
      if (c.kind === 'sample' && c.trackId === mediaTrackId && !seen.includes(c.sampleIndex)) seen.push(c.sampleIndex);
    }
  }
  return seen;
}

function byHintSample(sent: readonly Sent[]): Sent[][] {
  const groups: Sent[][] = [];
  for (const s of sent) {
    const last = groups.at(-1);
    if (last !== undefined && last[0]!.sampleIndex === s.sampleIndex) last.push(s);
    else groups.push([s]);
  }
  return groups;
}

/**
 * (a) H.264: each hint sample's packets depacketize into exactly the NAL units of the
 * video samples it references; the marker closes each access unit. Returns the
 * referenced samples and the packet kinds seen.
 */
function checkH264(h: Hinted, track: HintedTrack) {
  const media = h.movie.tracks.find((t) => t.id === track.mediaTrackIds[0])!;
  const lengthSize = parseAvcConfig(media.descriptions[0]!.avcConfig!).nalLengthSize;
  const sent = h.send(track);
  const covered: number[] = [];
  const kinds = { single: 0, stapA: 0, fuA: 0 };
  for (const group of byHintSample(sent)) {
    const depacketizer = new H264Depacketizer();
    for (const { payload } of group) depacketizer.push(payload);
    assert.equal(depacketizer.pending, false, `hint sample ${group[0]!.sampleIndex} ends inside an FU-A`);
    const samples = referenced(group, media.id);
    const expected = samples.flatMap((s) => nalUnitsOf(h.sampleBytes(media, s), lengthSize));
    assert.equal(depacketizer.units.length, expected.length, `hint sample ${group[0]!.sampleIndex}`);
    depacketizer.units.forEach((unit, i) => assert.ok(unit.equals(expected[i]!), `hint sample ${group[0]!.sampleIndex} NAL ${i}`));
    assert.equal(group.at(-1)!.packet.marker, true, 'marker on the last packet of the access unit');
    assert.ok(group.slice(0, -1).every((s) => !s.packet.marker), 'marker only on the last packet');
    for (const s of group) assert.ok(s.payload.length <= track.maxPacketSize - 12, 'payload within maxPacketSize');
    covered.push(...samples);
    for (const [k, v] of Object.entries(depacketizer.kinds)) kinds[k as keyof typeof kinds] += v;
  }
  return { sent, covered, kinds, media };
}

/** (b) AAC: the RFC 3640 payloads carry exactly the audio samples, in order. */
function checkAac(h: Hinted, track: HintedTrack) {
  const media = h.movie.tracks.find((t) => t.id === track.mediaTrackIds[0])!;
  const sent = h.send(track);
  const depacketizer = new AacHbrDepacketizer();
  const covered: number[] = [];
  for (const group of byHintSample(sent)) {
    const before = depacketizer.accessUnits.length;
    for (const { payload, packet } of group) depacketizer.push(payload, packet.marker);
    const samples = referenced(group, media.id);
    const units = depacketizer.accessUnits.slice(before);
    assert.equal(units.length, samples.length);
    units.forEach((au, i) => assert.ok(au.equals(h.sampleBytes(media, samples[i]!)), `AU of sample ${samples[i]}`));
    covered.push(...samples);
  }
  return { sent, covered, media };
}

/** The constant difference between hinted RTP timestamps and the media's composition times (RTP units). */
function timestampOffsets(h: Hinted, track: HintedTrack, sent: readonly Sent[], media: MovieTrack): Set<number> {
  const offsets = new Set<number>();
  for (const { sampleIndex, packet } of sent) {
    const c = packet.constructors.find((k) => k.kind === 'sample' && k.trackId === media.id);
    if (c === undefined || c.kind !== 'sample') continue;
    const s = media.samples;
    const composition = ((s.decodeTimes[c.sampleIndex]! + s.compositionOffsets[c.sampleIndex]!) * track.timescale) / media.timescale;
    offsets.add(hintRtpTimestamp(track, sampleIndex, packet) - composition);
  }
  return offsets;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('hint tracks: Apple-hinted sample_h264_100kbit.mp4', { skip: !hintedAvailable() && `${hintedPath} is missing` }, () => {
  const load = (() => {
    let h: Hinted | undefined;
    return () => (h ??= open(hintedPath));
  })();

  it('presentation: session SDP, two hint tracks, RTP clocks and packet limits', () => {
    const p = hintedPresentation(load().movie)!;
    assert.deepEqual(p.sdpSession, ['b=AS:2097172', 'a=isma-compliance:2,2.0,2']);
    assert.deepEqual(p.skipped, []);
    const [video, audio] = p.tracks;
    assert.deepEqual(
      [video!.hintTrackId, video!.mediaTrackIds, video!.mediaType, video!.timescale, video!.payloadType, video!.maxPacketSize],
      [3, [2], 'video', 90000, 96, 1450],
    );
    assert.equal(video!.rtpmap, 'H264/90000');
    assert.equal(video!.fmtp, 'packetization-mode=1;profile-level-id=4D400C;sprop-parameter-sets=J01ADKkYYELxCA==,KM4JiA==');
    assert.deepEqual([audio!.hintTrackId, audio!.mediaTrackIds, audio!.mediaType, audio!.timescale, audio!.payloadType], [4, [1], 'audio', 8000, 97]);
    assert.equal(audio!.rtpmap, 'mpeg4-generic/8000/2');
    // No 'tsro'/'snro': random offsets, as RFC 3550 wants.
    assert.deepEqual([video!.timestampOffset, video!.sequenceOffset, audio!.timestampOffset], [null, null, null]);
    // From hinf 'trpy' (RTP bytes sent) over the duration, not the hinter's b=AS:2097151.
    assert.equal(Math.round(video!.averageBitrate), 64410);
    assert.equal(Math.round(audio!.averageBitrate), 20926);
  });

  it('(a) every H.264 hint packet reassembles into exactly the NAL units of its samples', () => {
    const h = load();
    const track = hintedPresentation(h.movie)!.tracks[0]!;
    const { sent, covered, kinds, media } = checkH264(h, track);
    assert.equal(sent.length, 2148);
    // Apple's hinter uses all three forms: STAP-A for small NAL units sent together.
    assert.ok(kinds.single > 0 && kinds.stapA > 0 && kinds.fuA > 0, JSON.stringify(kinds));
    // One hint sample per frame, in order; the hinter left out the last of the 2100 frames.
    assert.deepEqual(covered, range(2099));
    assert.equal(media.samples.count, 2100);
    // B-frames are flagged (thinning), no packet is a repeat, sequence numbers run on.
    assert.equal(sent.filter((s) => s.packet.bFrame).length, 1015);
    assert.ok(sent.every((s) => !s.packet.repeat && s.packet.relativeTransmissionTime === 0));
    assert.ok(sent.every((s, i) => i === 0 || s.packet.sequenceNumber === ((sent[i - 1]!.packet.sequenceNumber + 1) & 0xffff)));
    // 'rtpo' makes RTP time = composition time, shifted so the first frame shown is at 0
    // (its composition offset is 20/600 s = 3000 RTP units).
    assert.ok(sent.some((s) => s.packet.timestampOffset !== 0));
    assert.deepEqual([...timestampOffsets(h, track, sent, media)], [-3000]);
    assert.equal(hintTransmissionSeconds(track, 30, sent.find((s) => s.sampleIndex === 30)!.packet), 1);
  });

  it('(b) every AAC hint packet carries exactly the audio samples', () => {
    const h = load();
    const track = hintedPresentation(h.movie)!.tracks[1]!;
    const { sent, covered, media } = checkAac(h, track);
    assert.equal(sent.length, 547);
    assert.deepEqual(covered, range(media.samples.count));
    assert.ok(sent.every((s) => s.packet.marker && s.packet.payloadType === 97));
    assert.deepEqual([...timestampOffsets(h, track, sent, media)], [0]);
  });

  it('the DESCRIBE SDP keeps the hinter media lines with our control URLs and bitrates', () => {
    const p = hintedPresentation(load().movie)!;
    const sdp = buildHintedSdp({ path: 'sample_h264_100kbit.mp4', serverAddress: '192.0.2.1', sessionVersion: 1, modifiedSeconds: 2, durationSeconds: 70, presentation: p });
    assert.equal(
      sdp,
      [
        'v=0',
        'o=StreamingServer 1 2 IN IP4 192.0.2.1',
        's=sample_h264_100kbit.mp4',
        'c=IN IP4 0.0.0.0',
        't=0 0',
        'a=control:*',
        'a=range:npt=0-70.00000',
        'a=isma-compliance:2,2.0,2',
        'm=video 0 RTP/AVP 96',
        'b=AS:64',
        'a=rtpmap:96 H264/90000',
        'a=cliprect:0,0,242,192',
        'a=framesize:96 192-242',
        'a=fmtp:96 packetization-mode=1;profile-level-id=4D400C;sprop-parameter-sets=J01ADKkYYELxCA==,KM4JiA==',
        'a=mpeg4-esid:201',
        'a=control:trackID=3',
        'm=audio 0 RTP/AVP 97',
        'b=AS:21',
        'a=rtpmap:97 mpeg4-generic/8000/2',
        'a=fmtp:97 profile-level-id=15;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1590',
        'a=mpeg4-esid:101',
        'a=control:trackID=4',
        '',
      ].join('\r\n'),
    );
  });

  it('a hint track without its SDP, or naming a missing track, is skipped with why; no hint track is null', () => {
    const { movie } = load();
    const [audio, video, videoHint, audioHint] = movie.tracks;
    const noSdp = { ...videoHint!, userData: new Map() };
    const dangling = { ...audioHint!, references: new Map([['hint', [0, 42]]]) };
    const p = hintedPresentation({ ...movie, tracks: [audio!, video!, noSdp, dangling] })!;
    assert.deepEqual(p.tracks, []);
    assert.deepEqual(p.skipped, [
      { hintTrackId: 3, reason: "no track SDP (udta/hnti/'sdp ')" },
      { hintTrackId: 4, reason: "tref 'hint' names track 42, which the movie does not have" },
    ]);
    assert.equal(hintedPresentation({ ...movie, tracks: [audio!, video!] }), null);
  });

  it('hint tracks still have no packetizer of their own', () => {
    const hint = load().movie.tracks[2]!;
    assert.deepEqual(createPacketizer(hint, 96), { unsupported: "codec 'rtp ' (RTP hint track) has no packetizer yet" });
  });
});

const ffmpegHinted = fixturePath('hinted-ffmpeg.mp4');

describe('hint tracks: ffmpeg -movflags +rtphint (test/fixtures/media/hinted-ffmpeg.mp4)', { skip: !existsSync(ffmpegHinted) && `${ffmpegHinted} is missing: run make-fixtures.sh` }, () => {
  const h = open(ffmpegHinted);
  const p = hintedPresentation(h.movie)!;

  it('presentation: no movie-level SDP, streamid controls, no hinf', () => {
    assert.deepEqual(p.sdpSession, []);
    const [video, audio] = p.tracks;
    assert.deepEqual([video!.hintTrackId, video!.mediaTrackIds, video!.timescale, video!.payloadType], [3, [1], 90000, 96]);
    assert.deepEqual([audio!.hintTrackId, audio!.mediaTrackIds, audio!.timescale, audio!.payloadType], [4, [2], 16000, 97]);
    assert.ok(video!.sdpMedia.includes('a=control:streamid=3'));
    assert.equal(audio!.rtpmap, 'MPEG4-GENERIC/16000/1');
    const sdp = buildHintedSdp({ path: 'x.mp4', serverAddress: '0.0.0.0', sessionVersion: 1, modifiedSeconds: 1, durationSeconds: 2, presentation: p });
    assert.ok(!sdp.includes('streamid'));
    assert.match(sdp, /a=control:trackID=3\r\nm=audio/);
    assert.match(sdp, /a=control:trackID=4\r\n$/);
  });

  it('(a) H.264 with B-frames and two slices: single NAL, STAP-A and FU-A reassemble exactly', () => {
    const track = p.tracks[0]!;
    const { sent, covered, kinds, media } = checkH264(h, track);
    assert.ok(kinds.single > 0 && kinds.stapA > 0 && kinds.fuA > 0, JSON.stringify(kinds));
    assert.deepEqual(covered, range(media.samples.count));
    // ffmpeg puts several hint samples at one time and restores presentation order with
    // 'rtpo'; RTP time is composition time minus the first frame's offset (2048/15360 s).
    assert.deepEqual(Array.from(track.hintTrack.samples.decodeTimes.subarray(0, 4)), [0, 18000, 18000, 18000]);
    assert.deepEqual([...timestampOffsets(h, track, sent, media)], [-12000]);
  });

  it('(b) AAC: several AUs a packet, every AU exact; ffmpeg leaves the last two unhinted', () => {
    const track = p.tracks[1]!;
    const { sent, covered, media } = checkAac(h, track);
    assert.equal(sent.length, 5);
    assert.equal(media.samples.count, 33);
    assert.deepEqual(covered, range(31));
    assert.deepEqual([...timestampOffsets(h, track, sent, media)], [0]);
  });
});
