import { RtspError } from '../../actors/rtspSession/sessionMedia.js';
import type { TransportSpec } from '../../domain/rtsp/headers/transport.js';
import { InterleavedSink, UdpSink, type RtpSink } from '../rtp/rtpSink.js';
import type { UdpPortPairs } from '../rtp/udpPortPairs.js';
import type { MediaConnection } from './mediaConnection.js';

/**
 * Binds one track's transport from the client's Transport list: RTP/AVP over UDP
 * unicast through the shared server pair, or interleaved on the RTSP connection.
 * Packets the client sends (its RTCP; a publisher's RTP too) go to the handlers.
 * Returns null for an entry we cannot serve, so the caller tries the next one.
 */
export interface BoundTransport {
  readonly sink: RtpSink;
  /** The Transport header to echo, before the SSRC is added. */
  readonly echo: TransportSpec;
  readonly release: () => void;
  readonly transport: 'UDP' | 'TCP';
  readonly clientRtpPort: number | null;
  readonly clientRtcpPort: number | null;
  readonly interleaved: readonly [number, number] | null;
  readonly connectionId: string | null;
}

export interface IncomingHandlers {
  readonly onRtcp: (packet: Buffer) => void;
  /** Only for publishers (mode=record): the RTP they send. */
  readonly onRtp?: (packet: Buffer) => void;
}

export function bindTransport(spec: TransportSpec, connection: MediaConnection, udp: UdpPortPairs, handlers: IncomingHandlers): BoundTransport | null {
  if (!spec.profile.startsWith('RTP/AVP') || spec.delivery === 'multicast') return null;
  const mode = spec.mode === 'RECORD' || spec.mode === 'RECEIVE' ? 'RECORD' : undefined;
  if (spec.lowerTransport === 'TCP') {
    const channels = connection.allocateChannels(spec.interleaved);
    if (!channels) throw new RtspError(461, 'no free interleaved channels on this connection');
    connection.onChannel(channels[1], handlers.onRtcp);
    if (handlers.onRtp) connection.onChannel(channels[0], handlers.onRtp);
    return {
      sink: new InterleavedSink(connection, channels[0], channels[1]),
      echo: { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: channels, ...(mode ? { mode } : {}), extensions: [] },
      release: () => connection.releaseChannels(channels),
      transport: 'TCP',
      clientRtpPort: null,
      clientRtcpPort: null,
      interleaved: channels,
      connectionId: connection.id,
    };
  }
  if (connection.tunnelled) return null;
  if (!spec.clientPort) throw new RtspError(400, 'UDP transport without client_port');
  const [rtpPort, rtcpPort] = spec.clientPort;
  if (rtpPort % 2 !== 0) throw new RtspError(400, `odd client RTP port ${rtpPort}`);
  const pair = udp.forLocalAddress(connection.localAddress);
  if (!pair) return null;
  // Media goes to the address the request came from, never to a `destination` elsewhere.
  const address = connection.remoteAddress;
  const releases = [pair.onRtcpFrom(address, rtcpPort, handlers.onRtcp)];
  if (handlers.onRtp) releases.push(pair.onRtpFrom(address, rtpPort, handlers.onRtp));
  return {
    sink: new UdpSink(pair, address, rtpPort, rtcpPort),
    echo: {
      profile: 'RTP/AVP',
      lowerTransport: 'UDP',
      delivery: 'unicast',
      source: connection.localAddress,
      clientPort: [rtpPort, rtcpPort],
      serverPort: [pair.rtpPort, pair.rtcpPort],
      ...(mode ? { mode } : {}),
      extensions: [],
    },
    release: () => releases.forEach((r) => r()),
    transport: 'UDP',
    clientRtpPort: rtpPort,
    clientRtcpPort: rtcpPort,
    interleaved: null,
    connectionId: null,
  };
}

/** Tries each entry of the client's list in order; the first we can serve wins. */
export function bindFirstTransport(specs: readonly TransportSpec[], connection: MediaConnection, udp: UdpPortPairs, handlers: IncomingHandlers): BoundTransport {
  let lastError: RtspError | null = null;
  for (const spec of specs) {
    try {
      const bound = bindTransport(spec, connection, udp, handlers);
      if (bound) return bound;
    } catch (error) {
      if (error instanceof RtspError) lastError = error;
      else throw error;
    }
  }
  throw lastError ?? new RtspError(461, 'no acceptable transport: RTP/AVP over UDP unicast or TCP interleaved');
}
