import { formatSdp, type SdpMedia } from '../sdp/sessionDescription.js';
import type { Packetizer } from './packetizer.js';

/**
 * The SDP a DESCRIBE of an on-demand movie answers, shaped as QTSS wrote it:
 * `o=StreamingServer`, `s=<path>`, `c=IN IP4 0.0.0.0`, aggregate control `*`, the
 * movie's range, then one media section per streamable track with `trackID=N`.
 */
export interface SdpTrack {
  readonly trackId: number;
  readonly packetizer: Packetizer;
  /** Average bitrate in bits/s, for b=AS. */
  readonly averageBitrate: number;
}

export function buildMovieSdp(params: {
  path: string;
  serverAddress: string;
  /** Seconds since the epoch when the description was made (origin session id). */
  sessionVersion: number;
  /** File modification time in seconds (origin version: changes when the movie does). */
  modifiedSeconds: number;
  durationSeconds: number;
  tracks: readonly SdpTrack[];
}): string {
  const media: SdpMedia[] = params.tracks.map((t) => {
    const pt = t.packetizer.payloadType;
    return {
      type: t.packetizer.mediaType,
      port: 0,
      protocol: 'RTP/AVP',
      formats: [pt],
      bandwidthKbps: Math.max(1, Math.round(t.averageBitrate / 1000)),
      attributes: [
        `rtpmap:${pt} ${t.packetizer.rtpmap}`,
        ...(t.packetizer.fmtp === null ? [] : [`fmtp:${pt} ${t.packetizer.fmtp}`]),
        ...t.packetizer.extraAttributes,
        `control:trackID=${t.trackId}`,
      ],
    };
  });
  return formatSdp({
    origin: {
      username: 'StreamingServer',
      sessionId: String(Math.floor(params.sessionVersion)),
      version: String(Math.floor(params.modifiedSeconds)),
      address: params.serverAddress,
    },
    name: params.path,
    connectionAddress: params.serverAddress.includes(':') ? '::' : '0.0.0.0',
    attributes: ['control:*', `range:npt=0-${params.durationSeconds.toFixed(5)}`],
    media,
  });
}
