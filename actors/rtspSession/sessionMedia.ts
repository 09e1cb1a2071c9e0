import type { TransportSpec } from '../../domain/rtsp/headers/transport.js';

/**
 * The port between an rtspSession actor and the media plane. The adapter gives each
 * actor one SessionMedia; its calls are the actor's async work (open a movie, bind a
 * transport, start sending), while the packets themselves never pass through the actor.
 */
export interface TrackInfo {
  readonly trackId: number;
  readonly mediaType: string;
  readonly codec: string;
}

export interface PresentationInfo {
  readonly sdp: string;
  readonly tracks: readonly TrackInfo[];
  /** Null for live presentations. */
  readonly durationSeconds: number | null;
}

/** The session at the other end of a broadcaster's ANNOUNCE. */
export interface AnnouncedInfo {
  readonly tracks: readonly TrackInfo[];
}

/** Where a request came from; the adapter's connection object satisfies it. */
export interface ConnectionRef {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
}

export interface TrackSetupResult {
  readonly trackId: number;
  /** The Transport header value to echo. */
  readonly transportHeader: string;
  readonly transport: 'UDP' | 'TCP';
  readonly clientRtpPort: number | null;
  readonly clientRtcpPort: number | null;
  readonly interleaved: readonly [number, number] | null;
  /** Eight upper-case hex digits. */
  readonly ssrc: string;
}

export interface RtpInfoItem {
  readonly trackId: number;
  readonly seq: number;
  readonly rtptime: number;
}

export interface PlaybackStarted {
  /** Where streaming really starts (a sync sample at or before the requested start); 'now' for live. */
  readonly rangeStart: number | 'now';
  readonly rangeEnd: number | null;
  readonly rtpInfo: readonly RtpInfoItem[];
  /** The speed granted, when the client asked for one. */
  readonly speed?: number;
}

export interface SessionCounters {
  readonly transport: 'UDP' | 'TCP' | null;
  readonly bytesSent: number;
  readonly packetsSent: number;
  readonly tracks: ReadonlyArray<{ trackId: number; packetsSent: number; bytesSent: number }>;
  /** Percent lost as the client's receiver reports say, when it sent any. */
  readonly lossPercent?: number | null;
}

export interface SessionMedia {
  describe(path: string): Promise<PresentationInfo>;
  /** A broadcaster announces a live path with its description (then SETUP mode=record, RECORD). */
  announce(path: string, sdp: string, origin: ConnectionRef): Promise<AnnouncedInfo>;
  /** Starts taking the broadcaster's media; 455 unless every announced track is set up. */
  record(): Promise<void>;
  setupTrack(trackId: number, transports: readonly TransportSpec[], origin: ConnectionRef): Promise<TrackSetupResult>;
  /** start null: resume where paused (or from the start); speed: the client's `Speed`, if any. */
  play(range: { start: number | null; end: number | null; speed?: number }): Promise<PlaybackStarted>;
  /** Stops sending; returns the position in seconds. */
  pause(): number;
  /** Stops sending for good and releases transports. */
  stop(): void;
  counters(): SessionCounters;
  /** True when losing this connection ends the session (RTP interleaved on it). */
  dependsOnConnection(connectionId: string): boolean;
}

/** A refusal with an RTSP status, thrown by SessionMedia calls. */
export class RtspError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: ReadonlyArray<readonly [string, string]> = [],
  ) {
    super(message);
    this.name = 'RtspError';
  }
}
