import type { ConnectionRef } from '../../actors/rtspSession/sessionMedia.js';
import type { InterleavedWriter } from '../rtp/rtpSink.js';

/** What a session's media needs from the RTSP connection a SETUP arrived on. */
export interface MediaConnection extends ConnectionRef, InterleavedWriter {
  /** True for RTSP tunnelled over HTTP, where UDP transports are refused. */
  readonly tunnelled: boolean;
  /** Reserves an RTP/RTCP channel pair: the client's choice when free, else the next free even pair. */
  allocateChannels(preferred: readonly [number, number] | undefined): readonly [number, number] | null;
  releaseChannels(channels: readonly [number, number]): void;
  /** Routes interleaved data the client sends on a channel (its RTCP). */
  onChannel(channel: number, handler: (payload: Buffer) => void): void;
}

export function isMediaConnection(ref: ConnectionRef): ref is MediaConnection {
  return typeof (ref as Partial<MediaConnection>).allocateChannels === 'function';
}
