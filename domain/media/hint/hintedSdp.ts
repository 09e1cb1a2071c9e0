/**
 * The DESCRIBE answer for a hinted movie: the same QTSS-shaped session header as
 * movieSdp.ts, then the hinter's own media sections. The hinter's lines are kept except
 * what the server must own: control URLs (ffmpeg writes `streamid=N`, Apple
 * `trackID=N`; clients SETUP what we say, so every track gets `trackID=<hint track id>`),
 * and session-level v/o/s/c/t/range lines, which the server writes itself.
 */
import { formatSdp, type SdpMedia } from '../../sdp/sessionDescription.js';
import type { HintedPresentation, HintedTrack } from './hintedPresentation.js';

export function buildHintedSdp(params: {
  path: string;
  serverAddress: string;
  sessionVersion: number;
  modifiedSeconds: number;
  durationSeconds: number;
  presentation: HintedPresentation;
  /** The hint tracks to describe (default: all of the presentation's). */
  tracks?: readonly HintedTrack[];
}): string {
  const tracks = params.tracks ?? params.presentation.tracks;
  const sessionAttributes = params.presentation.sdpSession
    .filter((l) => l.startsWith('a=') && !/^a=(control|range):/.test(l))
    .map((l) => l.slice(2));
  return formatSdp({
    origin: {
      username: 'StreamingServer',
      sessionId: String(Math.floor(params.sessionVersion)),
      version: String(Math.floor(params.modifiedSeconds)),
      address: params.serverAddress,
    },
    name: params.path,
    connectionAddress: params.serverAddress.includes(':') ? '::' : '0.0.0.0',
    attributes: ['control:*', `range:npt=0-${params.durationSeconds.toFixed(5)}`, ...sessionAttributes],
    media: tracks.map(hintedMedia),
  });
}

/** One hint track's media section: the hinter's m= formats and a= lines, our b=AS and control. */
export function hintedMedia(track: HintedTrack): SdpMedia {
  const formats = (track.sdpMedia[0] ?? '')
    .split(' ')
    .slice(3)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0 && n < 128);
  const attributes = track.sdpMedia
    .filter((l) => l.startsWith('a=') && !l.startsWith('a=control:'))
    .map((l) => l.slice(2));
  return {
    type: track.mediaType,
    port: 0,
    protocol: 'RTP/AVP',
    formats: formats.length > 0 ? formats : [track.payloadType],
    bandwidthKbps: Math.max(1, Math.round(track.averageBitrate / 1000)),
    attributes: [...attributes, `control:trackID=${track.hintTrackId}`],
  };
}
