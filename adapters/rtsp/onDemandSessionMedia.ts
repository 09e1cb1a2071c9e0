import { buildMovieSdp } from '../../domain/media/movieSdp.js';
import { readRtcpCompound } from '../../domain/rtp/rtcpPacket.js';
import { formatTransport, type TransportSpec } from '../../domain/rtsp/headers/transport.js';
import {
  RtspError,
  type ConnectionRef,
  type PlaybackStarted,
  type PresentationInfo,
  type SessionCounters,
  type SessionMedia,
  type TrackSetupResult,
} from '../../actors/rtspSession/sessionMedia.js';
import type { MovieLibrary, OpenMovie } from '../files/movieLibrary.js';
import { buildHintedSdp } from '../../domain/media/hint/hintedSdp.js';
import { HintSampleCursor } from '../rtp/hintSampleCursor.js';
import { MediaSampleCursor } from '../rtp/mediaSampleCursor.js';
import { OnDemandPlayer } from '../rtp/onDemandPlayer.js';
import type { PacketScheduler } from '../rtp/packetScheduler.js';
import { TrackSender } from '../rtp/trackSender.js';
import type { AdmissionControl, ThroughputMeter } from '../rtp/admissionControl.js';
import type { UdpPortPairs } from '../rtp/udpPortPairs.js';
import { isMediaConnection } from './mediaConnection.js';
import { bindFirstTransport } from './transportBinding.js';

/** What every on-demand session shares. */
export interface OnDemandDeps {
  readonly library: MovieLibrary;
  readonly udp: UdpPortPairs;
  readonly admission: AdmissionControl;
  readonly meter: ThroughputMeter;
  readonly scheduler: PacketScheduler;
  readonly maxPayloadBytes: number;
  readonly cname: string;
}

interface SetUpTrack {
  readonly sender: TrackSender;
  readonly release: () => void;
  readonly connectionId: string | null;
}

/**
 * The media side of one on-demand session: the movie it opened, a transport per
 * track set up, and the player the scheduler drives. `onActivity` is called when the
 * client's RTCP arrives, which keeps a UDP session alive.
 */
export class OnDemandSessionMedia implements SessionMedia {
  private movie: OpenMovie | null = null;
  private readonly tracks = new Map<number, SetUpTrack>();
  private player: OnDemandPlayer | null = null;
  private stopped = false;
  /** From the client's latest receiver report. */
  private lossPercent: number | null = null;

  constructor(
    private readonly deps: OnDemandDeps,
    private readonly onActivity: () => void,
  ) {}

  async describe(path: string): Promise<PresentationInfo> {
    const movie = await this.deps.library.open(path.split('/'));
    if (this.movie === null) this.deps.admission.admit(movie.tracks.reduce((sum, t) => sum + t.averageBitrate, 0));
    if (this.movie !== movie) {
      this.movie?.reader.release();
      movie.reader.retain();
      this.movie = movie;
    }
    const common = {
      path,
      serverAddress: '0.0.0.0',
      sessionVersion: Date.now() / 1000 + 2_208_988_800,
      modifiedSeconds: movie.mtimeMs / 1000 + 2_208_988_800,
      durationSeconds: movie.durationSeconds,
    };
    const sdp = movie.hinted
      ? buildHintedSdp({ ...common, presentation: movie.hinted })
      : buildMovieSdp({
          ...common,
          tracks: movie.tracks.flatMap((t) => (t.kind === 'packetized' ? [{ trackId: t.trackId, packetizer: t.packetizer, averageBitrate: t.averageBitrate }] : [])),
        });
    return {
      sdp,
      tracks: movie.tracks.map((t) => ({ trackId: t.trackId, mediaType: t.mediaType, codec: t.codec })),
      durationSeconds: movie.durationSeconds,
    };
  }

  async setupTrack(trackId: number, transports: readonly TransportSpec[], origin: ConnectionRef): Promise<TrackSetupResult> {
    const movie = this.movie;
    if (!movie) throw new RtspError(455, 'SETUP before the movie was opened');
    if (this.player?.isPlaying) throw new RtspError(455, 'SETUP while playing');
    const streamable = movie.tracks.find((t) => t.trackId === trackId);
    if (!streamable) throw new RtspError(404, `track ${trackId} cannot be streamed`);
    if (!isMediaConnection(origin)) throw new RtspError(500, 'request did not come from an RTSP connection');

    const bound = bindFirstTransport(transports, origin, this.deps.udp, {
      onRtcp: (packet) => {
        this.onActivity();
        const block = readRtcpCompound(packet)?.reports[0];
        if (block) this.lossPercent = (block.fractionLost / 256) * 100;
      },
    });
    this.tracks.get(trackId)?.release();
    const sender = new TrackSender(trackId, bound.sink, streamable.payloadType, streamable.clockRate, this.deps.cname, this.deps.meter);
    this.tracks.set(trackId, { sender, release: bound.release, connectionId: bound.connectionId });
    this.player = null;
    return {
      trackId,
      transport: bound.transport,
      clientRtpPort: bound.clientRtpPort,
      clientRtcpPort: bound.clientRtcpPort,
      interleaved: bound.interleaved,
      ssrc: sender.ssrcHex,
      transportHeader: formatTransport({ ...bound.echo, ssrc: sender.ssrcHex }),
    };
  }

  async announce(): Promise<never> {
    throw new RtspError(455, 'ANNOUNCE on a movie session');
  }

  async record(): Promise<never> {
    throw new RtspError(455, 'RECORD on a movie session');
  }

  async play(range: { start: number | null; end: number | null; speed?: number }): Promise<PlaybackStarted> {
    const movie = this.movie;
    if (!movie || this.tracks.size === 0) throw new RtspError(455, 'PLAY before SETUP');
    if (range.start !== null && range.start > movie.durationSeconds) {
      throw new RtspError(457, `range starts at ${range.start} s, past the end (${movie.durationSeconds.toFixed(3)} s)`);
    }
    const player = (this.player ??= new OnDemandPlayer(
      movie.tracks
        .filter((t) => this.tracks.has(t.trackId))
        .map((t) => {
          const sender = this.tracks.get(t.trackId)!.sender;
          return t.kind === 'hinted'
            ? new HintSampleCursor(movie.movie, t.hinted, sender, movie.reader, t.samples)
            : new MediaSampleCursor(t.track, t.packets, sender, movie.reader, this.deps.maxPayloadBytes);
        }),
      movie.reader,
    ));
    if (player.isPlaying) player.pause(performance.now());
    const start = player.seek(range.start ?? (range.end === null ? null : player.position()), range.end);
    // As QTSS: faster than real time only up to 4x, and only when every track is on TCP.
    const reliable = [...this.tracks.values()].every((t) => t.sender.sink.transport === 'TCP');
    const speed = range.speed === undefined || !reliable ? 1 : Math.min(4, Math.max(1, range.speed));
    player.start(performance.now(), speed);
    this.deps.scheduler.add(player);
    return {
      rangeStart: start,
      rangeEnd: range.end ?? movie.durationSeconds,
      rtpInfo: [...this.tracks.values()].map(({ sender }) => ({ trackId: sender.trackId, seq: sender.nextSequence, rtptime: sender.rtpTimeAt(start) })),
      ...(range.speed === undefined ? {} : { speed }),
    };
  }

  pause(): number {
    if (!this.player) return 0;
    this.deps.scheduler.remove(this.player);
    return this.player.isPlaying ? this.player.pause(performance.now()) : this.player.position();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.player) this.deps.scheduler.remove(this.player);
    for (const t of this.tracks.values()) t.release();
    this.movie?.reader.release();
  }

  counters(): SessionCounters {
    const tracks = [...this.tracks.values()].map(({ sender }) => ({ trackId: sender.trackId, packetsSent: sender.packetsSent, bytesSent: sender.bytesSent }));
    const first = this.tracks.values().next().value;
    return {
      transport: first ? first.sender.sink.transport : null,
      bytesSent: tracks.reduce((sum, t) => sum + t.bytesSent, 0),
      packetsSent: tracks.reduce((sum, t) => sum + t.packetsSent, 0),
      tracks,
      lossPercent: this.lossPercent,
    };
  }

  dependsOnConnection(connectionId: string): boolean {
    for (const t of this.tracks.values()) if (t.connectionId === connectionId) return true;
    return false;
  }
}
