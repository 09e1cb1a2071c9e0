import { randomUUID } from 'node:crypto';
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
import type { RtpSink } from '../rtp/rtpSink.js';
import type { UdpPortPairs } from '../rtp/udpPortPairs.js';
import { isMediaConnection } from '../rtsp/mediaConnection.js';
import { bindFirstTransport } from '../rtsp/transportBinding.js';
import type { Broadcast, BroadcastRegistry } from './broadcastRegistry.js';
import type { MulticastOutputs } from './multicastOutputs.js';
import { HubReader } from './streamHub.js';

/**
 * The media side of a viewer of a live path: a reader attached to the path's stream
 * hub from PLAY until PAUSE or the end. Tracks are `trackID=<n>` in the description
 * the hub serves, n = index + 1.
 */
export interface LiveReaderDeps {
  readonly broadcasts: BroadcastRegistry;
  readonly udp: UdpPortPairs;
  readonly multicast: MulticastOutputs;
  /** Live paths readers get as multicast whatever they ask. */
  readonly multicastPaths: readonly string[];
}

export class LiveReaderMedia implements SessionMedia {
  private broadcast: Broadcast | null = null;
  private readonly sinks: Array<RtpSink | undefined> = [];
  private readonly releases = new Map<number, () => void>();
  private readonly connections = new Set<string>();
  private reader: HubReader | null = null;
  /** Counters of readers this session had before a PAUSE. */
  private carried = { packets: 0, bytes: 0 };
  private transport: 'UDP' | 'TCP' | null = null;
  /** Set when this viewer takes the path's multicast group instead of its own sinks. */
  private multicast = false;
  private multicastJoined = false;
  private readonly multicastEnded = (): void => {
    this.multicastJoined = false;
    this.onEnded();
  };

  constructor(
    private readonly deps: LiveReaderDeps,
    private readonly onActivity: () => void,
    private readonly onEnded: () => void,
  ) {}

  async describe(path: string): Promise<PresentationInfo> {
    const broadcast = this.deps.broadcasts.get(path);
    if (!broadcast) throw new RtspError(404, `${path} is not live`);
    this.broadcast = broadcast;
    return {
      sdp: broadcast.hub.sdp,
      tracks: broadcast.announced.media.map((m, i) => ({ trackId: i + 1, mediaType: m.type, codec: encodingOf(m) })),
      durationSeconds: null,
    };
  }

  async announce(): Promise<AnnouncedInfo> {
    throw new RtspError(455, 'ANNOUNCE on a viewer session');
  }

  async record(): Promise<void> {
    throw new RtspError(455, 'RECORD on a viewer session');
  }

  async setupTrack(trackId: number, transports: readonly TransportSpec[], origin: ConnectionRef): Promise<TrackSetupResult> {
    const broadcast = this.broadcast;
    const index = trackId - 1;
    if (!broadcast || index < 0 || index >= broadcast.hub.tracks.length) throw new RtspError(404, `no track ${trackId}`);
    if (this.reader) throw new RtspError(455, 'SETUP while playing');
    if (!isMediaConnection(origin)) throw new RtspError(500, 'request did not come from an RTSP connection');
    const forced = this.deps.multicastPaths.includes(broadcast.path);
    if (forced || transports.some((t) => t.delivery === 'multicast' && !origin.tunnelled)) {
      if (origin.tunnelled) throw new RtspError(461, 'multicast cannot reach a tunnelled client');
      return this.setupMulticast(trackId, index, broadcast);
    }
    const bound = bindFirstTransport(transports, origin, this.deps.udp, {
      onRtcp: (packet) => {
        this.onActivity();
        this.reader?.noteRtcp(packet);
      },
    });
    this.releases.get(index)?.();
    this.releases.set(index, bound.release);
    this.sinks[index] = bound.sink;
    this.transport = bound.transport;
    if (bound.connectionId) this.connections.add(bound.connectionId);
    const ssrc = broadcast.hub.tracks[index]!.ssrc.toString(16).toUpperCase().padStart(8, '0');
    return {
      trackId,
      transport: bound.transport,
      clientRtpPort: bound.clientRtpPort,
      clientRtcpPort: bound.clientRtcpPort,
      interleaved: bound.interleaved,
      ssrc,
      transportHeader: formatTransport({ ...bound.echo, ...(broadcast.hub.tracks[index]!.packetsIn > 0 ? { ssrc } : {}) }),
    };
  }

  private setupMulticast(trackId: number, index: number, broadcast: Broadcast): TrackSetupResult {
    const group = this.deps.multicast.groupFor(broadcast);
    const port = group.ports[index]!;
    this.multicast = true;
    this.transport = 'UDP';
    const ssrc = broadcast.hub.tracks[index]!.ssrc.toString(16).toUpperCase().padStart(8, '0');
    return {
      trackId,
      transport: 'UDP',
      clientRtpPort: port,
      clientRtcpPort: port + 1,
      interleaved: null,
      ssrc,
      transportHeader: formatTransport({
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'multicast',
        destination: group.address,
        port: [port, port + 1],
        ttl: group.ttl,
        extensions: [],
      }),
    };
  }

  async play(): Promise<PlaybackStarted> {
    const broadcast = this.broadcast;
    if (broadcast && this.multicast) {
      if (broadcast.hub.ended) throw new RtspError(404, `${broadcast.path} is no longer live`);
      if (!this.multicastJoined) {
        this.multicastJoined = true;
        await this.deps.multicast.join(broadcast, this.multicastEnded);
      }
      const rtpInfo = broadcast.hub.tracks.flatMap((_, index) => {
        const join = broadcast.hub.joinPoint(index);
        return join ? [{ trackId: index + 1, seq: join.seq, rtptime: join.rtptime }] : [];
      });
      return { rangeStart: 'now', rangeEnd: null, rtpInfo };
    }
    if (!broadcast || this.sinks.every((s) => s === undefined)) throw new RtspError(455, 'PLAY before SETUP');
    if (broadcast.hub.ended) throw new RtspError(404, `${broadcast.path} is no longer live`);
    const rtpInfo: Array<{ trackId: number; seq: number; rtptime: number }> = [];
    this.sinks.forEach((sink, index) => {
      const join = sink ? broadcast.hub.joinPoint(index) : null;
      if (join) rtpInfo.push({ trackId: index + 1, seq: join.seq, rtptime: join.rtptime });
    });
    if (!this.reader) {
      this.reader = new HubReader(randomUUID(), [...this.sinks], () => {
        this.detach();
        this.onEnded();
      });
      broadcast.hub.addReader(this.reader);
    }
    return { rangeStart: 'now', rangeEnd: null, rtpInfo };
  }

  pause(): number {
    this.detach();
    return 0;
  }

  stop(): void {
    this.detach();
    for (const release of this.releases.values()) release();
    this.releases.clear();
  }

  counters(): SessionCounters {
    const packets = this.carried.packets + (this.reader?.packetsSent ?? 0);
    const bytes = this.carried.bytes + (this.reader?.bytesSent ?? 0);
    return { transport: this.transport, bytesSent: bytes, packetsSent: packets, tracks: [], lossPercent: this.reader ? this.reader.fractionLost * 100 : null };
  }

  dependsOnConnection(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  private detach(): void {
    if (this.multicastJoined && this.broadcast) {
      this.multicastJoined = false;
      this.deps.multicast.leave(this.broadcast, this.multicastEnded);
    }
    if (!this.reader) return;
    this.broadcast?.hub.removeReader(this.reader);
    this.carried = { packets: this.carried.packets + this.reader.packetsSent, bytes: this.carried.bytes + this.reader.bytesSent };
    this.reader = null;
  }
}
