import {
  RtspError,
  type AnnouncedInfo,
  type ConnectionRef,
  type PlaybackStarted,
  type PresentationInfo,
  type SessionCounters,
  type SessionMedia,
  type TrackSetupResult,
} from '../../actors/rtspSession/sessionMedia.js';
import { formatTransport, type TransportSpec } from '../../domain/rtsp/headers/transport.js';
import { encodingOf } from '../../domain/sdp/liveSdp.js';
import { parseSdp } from '../../domain/sdp/parseSdp.js';
import type { UdpPortPairs } from '../rtp/udpPortPairs.js';
import { isMediaConnection } from '../rtsp/mediaConnection.js';
import { bindFirstTransport } from '../rtsp/transportBinding.js';
import type { Broadcast, BroadcastRegistry } from './broadcastRegistry.js';

/**
 * The media side of a broadcaster's session (ANNOUNCE, SETUP mode=record, RECORD):
 * its packets go straight from the socket handler into the path's stream hub.
 */
export interface PublisherDeps {
  readonly broadcasts: BroadcastRegistry;
  readonly udp: UdpPortPairs;
}

/** The track number a control URL carries (`streamid=0`, `trackID=1`, `stream=2`), if any. */
function controlNumber(control: string | null): number | null {
  const m = control === null ? null : /(?:^|\/)(?:trackID|streamid|stream)=(\d{1,9})$/i.exec(control);
  return m ? Number(m[1]) : null;
}

export class PublisherMedia implements SessionMedia {
  private broadcast: Broadcast | null = null;
  /** Announced track id (as the client will SETUP it) → hub track index. */
  private readonly trackIndex = new Map<number, number>();
  private readonly bound = new Map<number, { release: () => void; transport: 'UDP' | 'TCP' }>();
  private connectionId: string | null = null;
  private recording = false;

  constructor(
    private readonly deps: PublisherDeps,
    private readonly onActivity: () => void,
  ) {}

  async describe(): Promise<PresentationInfo> {
    throw new RtspError(455, 'DESCRIBE on a broadcaster session');
  }

  async announce(path: string, sdpText: string, origin: ConnectionRef): Promise<AnnouncedInfo> {
    // WRITE access was checked by the access gate before this request reached the session.
    const parsed = parseSdp(sdpText);
    if (!parsed.ok) throw new RtspError(415, `invalid SDP at line ${parsed.line}: ${parsed.error}`);
    if (parsed.sdp.media.length === 0) throw new RtspError(415, 'invalid SDP: no m= line');
    this.broadcast = this.deps.broadcasts.create(path, parsed.sdp, 'announce', `${origin.remoteAddress}:${origin.remotePort}`);
    this.connectionId = origin.id;
    const tracks = parsed.sdp.media.map((media, index) => {
      const trackId = controlNumber(media.control) ?? index + 1;
      this.trackIndex.set(trackId, index);
      return { trackId, mediaType: media.type, codec: encodingOf(media) };
    });
    return { tracks };
  }

  async setupTrack(trackId: number, transports: readonly TransportSpec[], origin: ConnectionRef): Promise<TrackSetupResult> {
    const broadcast = this.broadcast;
    const index = this.trackIndex.get(trackId);
    if (!broadcast || index === undefined) throw new RtspError(455, 'SETUP of a track that was not announced');
    if (!isMediaConnection(origin)) throw new RtspError(500, 'request did not come from an RTSP connection');
    const hub = broadcast.hub;
    const bound = bindFirstTransport(transports, origin, this.deps.udp, {
      onRtp: (packet) => hub.onRtp(index, packet),
      onRtcp: (packet) => {
        this.onActivity();
        hub.onRtcp(index, packet);
      },
    });
    this.bound.get(trackId)?.release();
    this.bound.set(trackId, { release: bound.release, transport: bound.transport });
    return {
      trackId,
      transport: bound.transport,
      clientRtpPort: bound.clientRtpPort,
      clientRtcpPort: bound.clientRtcpPort,
      interleaved: bound.interleaved,
      ssrc: '00000000',
      transportHeader: formatTransport({ ...bound.echo, mode: 'RECORD' }),
    };
  }

  async record(): Promise<void> {
    const missing = [...this.trackIndex.keys()].filter((id) => !this.bound.has(id));
    if (missing.length > 0) throw new RtspError(455, `RECORD before SETUP of track ${missing.join(', ')}`);
    this.recording = true;
  }

  async play(): Promise<PlaybackStarted> {
    throw new RtspError(455, 'PLAY on a broadcaster session');
  }

  pause(): number {
    return 0;
  }

  stop(): void {
    for (const t of this.bound.values()) t.release();
    this.bound.clear();
    if (this.broadcast) this.deps.broadcasts.end(this.broadcast.path, 'publisher-left');
    this.broadcast = null;
  }

  counters(): SessionCounters {
    const first = this.bound.values().next().value;
    return { transport: first ? first.transport : null, bytesSent: 0, packetsSent: 0, tracks: [] };
  }

  /** A broadcaster leaving its RTSP connection ends the broadcast. */
  dependsOnConnection(connectionId: string): boolean {
    return connectionId === this.connectionId;
  }

  get isRecording(): boolean {
    return this.recording;
  }
}
