/**
 * What a hinted movie says about its own streaming: the SDP the hinter wrote (movie
 * level in moov/udta/hnti/'rtp ', track level in trak/udta/hnti/'sdp '), and per hint
 * track the RTP clock ('tims'), the fixed timestamp and sequence offsets ('tsro',
 * 'snro', random when absent), the largest packet, and which media tracks it reads.
 * QuickTime Streaming Server streamed hinted movies this way, packet by packet as the
 * hint samples say, instead of packetizing the media itself.
 */
import type { Movie, MovieTrack } from '../movie.js';
import type { HintPacket } from './hintSample.js';

export type SdpMediaType = 'video' | 'audio' | 'application' | 'text';

export interface HintedTrack {
  readonly hintTrackId: number;
  readonly hintTrack: MovieTrack;
  /** The tref 'hint' list without its empty (0) entries. */
  readonly mediaTrackIds: readonly number[];
  readonly mediaType: SdpMediaType;
  /** RTP clock rate: 'tims' (the hint track's media timescale when 'tims' is missing). */
  readonly timescale: number;
  /** First format of the track SDP's m= line. */
  readonly payloadType: number;
  /** `a=rtpmap:` value without the payload type, e.g. 'H264/90000'; null when absent (static types). */
  readonly rtpmap: string | null;
  /** `a=fmtp:` value without the payload type, or null. */
  readonly fmtp: string | null;
  /** The track SDP as the hinter stored it, one line per entry, without line ends. */
  readonly sdpMedia: readonly string[];
  readonly maxPacketSize: number;
  /** 'tsro': added to every RTP timestamp; null means pick a random one (RFC 3550). */
  readonly timestampOffset: number | null;
  /** 'snro': added to every sequence number; null means pick a random one. */
  readonly sequenceOffset: number | null;
  /** Bits per second: from the hint statistics ('hinf'), else the media it reads, else b=AS. */
  readonly averageBitrate: number;
}

export interface HintedPresentation {
  /** Movie-level SDP lines (b=, a=isma-compliance, ...), without line ends; empty if none. */
  readonly sdpSession: readonly string[];
  readonly tracks: readonly HintedTrack[];
  /** Hint tracks that cannot be streamed, with why. */
  readonly skipped: ReadonlyArray<{ readonly hintTrackId: number; readonly reason: string }>;
}

/** The movie's hint tracks ready to stream, or null when it has no RTP hint track. */
export function hintedPresentation(movie: Movie): HintedPresentation | null {
  const hintTracks = movie.tracks.filter((t) => t.kind === 'hint' && t.descriptions[0]?.format === 'rtp ');
  if (hintTracks.length === 0) return null;
  const tracks: HintedTrack[] = [];
  const skipped: Array<{ hintTrackId: number; reason: string }> = [];
  for (const hint of hintTracks) {
    const result = hintedTrack(movie, hint);
    if ('reason' in result) skipped.push({ hintTrackId: hint.id, reason: result.reason });
    else tracks.push(result);
  }
  return { sdpSession: movieSdpLines(movie), tracks, skipped };
}

function hintedTrack(movie: Movie, hint: MovieTrack): HintedTrack | { reason: string } {
  if (hint.samples.count === 0) return { reason: 'no hint samples' };
  const description = hint.descriptions[0]!;
  const sdpMedia = trackSdpLines(hint);
  if (sdpMedia.length === 0) return { reason: "no track SDP (udta/hnti/'sdp ')" };
  const mLine = /^m=(video|audio|application|text) \d+(?:\/\d+)? \S+ (\d+)/.exec(sdpMedia[0] ?? '');
  if (mLine === null) return { reason: `track SDP does not start with a usable m= line: '${sdpMedia[0]}'` };
  const mediaType = mLine[1] as SdpMediaType;
  const payloadType = Number(mLine[2]);
  const attribute = (name: string): string | null => {
    const prefix = `a=${name}:${payloadType} `;
    const line = sdpMedia.find((l) => l.startsWith(prefix));
    return line === undefined ? null : line.slice(prefix.length).trim();
  };
  const mediaTrackIds = (hint.references.get('hint') ?? []).filter((id) => id !== 0);
  const missing = mediaTrackIds.find((id) => !movie.tracks.some((t) => t.id === id));
  if (missing !== undefined) return { reason: `tref 'hint' names track ${missing}, which the movie does not have` };
  const timescale = u32Extension(description.extensions.get('tims')) ?? hint.timescale;
  if (!(timescale > 0)) return { reason: "RTP timescale ('tims') is 0" };
  return {
    hintTrackId: hint.id,
    hintTrack: hint,
    mediaTrackIds,
    mediaType,
    timescale,
    payloadType,
    rtpmap: attribute('rtpmap'),
    fmtp: attribute('fmtp'),
    sdpMedia,
    maxPacketSize: description.maxPacketSize ?? 0,
    timestampOffset: u32Extension(description.extensions.get('tsro')),
    sequenceOffset: u32Extension(description.extensions.get('snro')),
    averageBitrate: averageBitrate(movie, hint, mediaTrackIds, sdpMedia),
  };
}

/** The first 32-bit value of a 'tims'/'tsro'/'snro' body, or null. */
function u32Extension(body: Buffer | undefined): number | null {
  return body !== undefined && body.length >= 4 ? body.readUInt32BE(0) : null;
}

/** moov/udta/hnti/'rtp ': a 4-byte description format ('sdp ') then the session-level text. */
function movieSdpLines(movie: Movie): string[] {
  const hnti = movie.userData.get('hnti');
  if (hnti === undefined) return [];
  for (const { type, body } of boxesIn(hnti)) {
    if (type === 'rtp ' && body.length >= 4 && body.toString('latin1', 0, 4) === 'sdp ') return sdpLines(body.subarray(4));
  }
  return [];
}

/** trak/udta/hnti/'sdp ': the media-level text. */
function trackSdpLines(track: MovieTrack): string[] {
  const hnti = track.userData.get('hnti');
  if (hnti === undefined) return [];
  for (const { type, body } of boxesIn(hnti)) if (type === 'sdp ') return sdpLines(body);
  return [];
}

/** Child boxes of a raw body, tolerant: stops at the first header that does not fit. */
function boxesIn(body: Buffer): Array<{ type: string; body: Buffer }> {
  const out: Array<{ type: string; body: Buffer }> = [];
  for (let pos = 0; pos + 8 <= body.length; ) {
    const size = body.readUInt32BE(pos);
    if (size < 8 || pos + size > body.length) break;
    out.push({ type: body.toString('latin1', pos + 4, pos + 8), body: body.subarray(pos + 8, pos + size) });
    pos += size;
  }
  return out;
}

function sdpLines(text: Buffer): string[] {
  // Some hinters end the text with a NUL; SDP is UTF-8.
  const nul = text.indexOf(0);
  return (nul < 0 ? text : text.subarray(0, nul))
    .toString('utf8')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

/**
 * Average bits per second. The hinter's b=AS is not trusted first: Apple's hinter writes
 * 2097151 kbit/s. 'hinf' holds what the hint track really sends: 'trpy' (RTP bytes with
 * headers, 64-bit), 'totl' (32-bit).
 */
function averageBitrate(movie: Movie, hint: MovieTrack, mediaTrackIds: readonly number[], sdpMedia: readonly string[]): number {
  const seconds = hint.duration / hint.timescale;
  const hinf = hint.userData.get('hinf');
  if (hinf !== undefined && seconds > 0) {
    const stats = new Map(boxesIn(hinf).map((b) => [b.type, b.body] as const));
    const trpy = stats.get('trpy');
    if (trpy !== undefined && trpy.length >= 8) return (Number(trpy.readBigUInt64BE(0)) * 8) / seconds;
    const totl = stats.get('totl');
    if (totl !== undefined && totl.length >= 4) return (totl.readUInt32BE(0) * 8) / seconds;
  }
  if (seconds > 0 && mediaTrackIds.length > 0) {
    let bytes = 0;
    for (const id of mediaTrackIds) {
      const media = movie.tracks.find((t) => t.id === id);
      if (media === undefined) continue;
      for (let i = 0; i < media.samples.count; i++) bytes += media.samples.sizes[i]!;
    }
    if (bytes > 0) return (bytes * 8) / seconds;
  }
  const as = sdpMedia.find((l) => l.startsWith('b=AS:'));
  return as === undefined ? 0 : Number(as.slice(5)) * 1000 || 0;
}

/** The RTP timestamp of a hinted packet, before the track's timestamp offset, in RTP units. */
export function hintRtpTimestamp(track: HintedTrack, sampleIndex: number, packet: HintPacket): number {
  const hint = track.hintTrack;
  const sampleTime = hint.samples.decodeTimes[sampleIndex]!;
  const units = hint.timescale === track.timescale ? sampleTime : Math.round((sampleTime * track.timescale) / hint.timescale);
  return units + packet.timestampOffset;
}

/** The same, in seconds of media time (what TrackSender.rtpTimeAt takes). */
export function hintRtpSeconds(track: HintedTrack, sampleIndex: number, packet: HintPacket): number {
  return hintRtpTimestamp(track, sampleIndex, packet) / track.timescale;
}

/** When the packet is due, in seconds of media time: the hint sample's time plus its relative transmission time. */
export function hintTransmissionSeconds(track: HintedTrack, sampleIndex: number, packet: HintPacket): number {
  const hint = track.hintTrack;
  return (hint.samples.decodeTimes[sampleIndex]! + packet.relativeTransmissionTime) / hint.timescale;
}
