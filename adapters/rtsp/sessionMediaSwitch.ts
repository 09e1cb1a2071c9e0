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
import type { TransportSpec } from '../../domain/rtsp/headers/transport.js';

/**
 * A session's media before anyone knows what it will be: the first DESCRIBE (or SETUP)
 * picks a live reader when the path is live and a movie otherwise; ANNOUNCE picks a
 * broadcaster. Everything after goes to the one chosen.
 */
export interface MediaKinds {
  isLive(path: string): boolean;
  /** Why a live path cannot be served (an SDP file refused for a port conflict, say). */
  refusal(path: string): string | undefined;
  movie(): SessionMedia;
  liveReader(): SessionMedia;
  publisher(): SessionMedia;
}

export class SessionMediaSwitch implements SessionMedia {
  private chosen: SessionMedia | null = null;

  constructor(private readonly kinds: MediaKinds) {}

  describe(path: string): Promise<PresentationInfo> {
    const refused = this.chosen ? undefined : this.kinds.refusal(path);
    if (refused) return Promise.reject(new RtspError(500, refused));
    this.chosen ??= this.kinds.isLive(path) ? this.kinds.liveReader() : this.kinds.movie();
    return this.chosen.describe(path);
  }

  announce(path: string, sdp: string, origin: ConnectionRef): Promise<AnnouncedInfo> {
    this.chosen ??= this.kinds.publisher();
    return this.chosen.announce(path, sdp, origin);
  }

  private get media(): SessionMedia {
    if (!this.chosen) throw new RtspError(455, 'no presentation yet: DESCRIBE or ANNOUNCE first');
    return this.chosen;
  }

  setupTrack(trackId: number, transports: readonly TransportSpec[], origin: ConnectionRef): Promise<TrackSetupResult> {
    return this.media.setupTrack(trackId, transports, origin);
  }

  record(): Promise<void> {
    return this.media.record();
  }

  play(range: { start: number | null; end: number | null }): Promise<PlaybackStarted> {
    return this.media.play(range);
  }

  pause(): number {
    return this.chosen?.pause() ?? 0;
  }

  stop(): void {
    this.chosen?.stop();
  }

  counters(): SessionCounters {
    return this.chosen?.counters() ?? { transport: null, bytesSent: 0, packetsSent: 0, tracks: [] };
  }

  dependsOnConnection(connectionId: string): boolean {
    return this.chosen?.dependsOnConnection(connectionId) ?? false;
  }
}
