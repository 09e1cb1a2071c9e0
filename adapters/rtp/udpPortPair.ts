import dgram from 'node:dgram';
import { literalLookup } from './literalLookup.js';

/**
 * The one RTP/RTCP socket pair shared by every UDP unicast session. RTCP arriving
 * on the odd port is matched to its session by the sender's address and port.
 */
export type RtcpHandler = (packet: Buffer) => void;

export class UdpPortPair {
  private readonly rtcpHandlers = new Map<string, RtcpHandler>();
  private readonly rtpHandlers = new Map<string, RtcpHandler>();

  private constructor(
    readonly rtp: dgram.Socket,
    readonly rtcp: dgram.Socket,
    readonly rtpPort: number,
  ) {
    rtcp.on('message', (msg, rinfo) => this.rtcpHandlers.get(endpointKey(rinfo.address, rinfo.port))?.(msg));
    // Clients punch NAT holes with packets to the RTP port; publishers (later) send media there.
    rtp.on('message', (msg, rinfo) => this.rtpHandlers.get(endpointKey(rinfo.address, rinfo.port))?.(msg));
  }

  get rtcpPort(): number {
    return this.rtpPort + 1;
  }

  /** Binds an even RTP port and the next odd one; port 0 searches for a free pair. */
  static async bind(address: string, port: number, attempts = 50): Promise<UdpPortPair> {
    const type = address.includes(':') ? 'udp6' : 'udp4';
    for (let i = 0; i < attempts; i++) {
      // '::' is bound IPv6-only so '0.0.0.0' can hold the same port for IPv4.
      const rtp = dgram.createSocket({ type, reuseAddr: false, ipv6Only: type === 'udp6', lookup: literalLookup });
      const rtcp = dgram.createSocket({ type, reuseAddr: false, ipv6Only: type === 'udp6', lookup: literalLookup });
      try {
        const rtpPort = await bindSocket(rtp, address, port === 0 ? 0 : port);
        if (rtpPort % 2 !== 0) throw new Error('odd');
        await bindSocket(rtcp, address, rtpPort + 1);
        for (const s of [rtp, rtcp]) {
          s.setSendBufferSize(4 * 1024 * 1024);
          s.setRecvBufferSize(1024 * 1024);
        }
        return new UdpPortPair(rtp, rtcp, rtpPort);
      } catch (error) {
        rtp.close();
        rtcp.close();
        if (port !== 0) throw error;
      }
    }
    throw new Error(`no free UDP port pair on ${address} after ${attempts} attempts`);
  }

  onRtcpFrom(address: string, port: number, handler: RtcpHandler): () => void {
    const key = endpointKey(address, port);
    this.rtcpHandlers.set(key, handler);
    return () => {
      if (this.rtcpHandlers.get(key) === handler) this.rtcpHandlers.delete(key);
    };
  }

  onRtpFrom(address: string, port: number, handler: RtcpHandler): () => void {
    const key = endpointKey(address, port);
    this.rtpHandlers.set(key, handler);
    return () => {
      if (this.rtpHandlers.get(key) === handler) this.rtpHandlers.delete(key);
    };
  }

  close(): void {
    this.rtp.close();
    this.rtcp.close();
  }
}

function endpointKey(address: string, port: number): string {
  // IPv4-mapped IPv6 addresses name the same client as the plain IPv4 form.
  return `${address.startsWith('::ffff:') ? address.slice(7) : address}|${port}`;
}

function bindSocket(socket: dgram.Socket, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}
