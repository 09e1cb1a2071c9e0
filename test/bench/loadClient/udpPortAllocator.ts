import dgram from 'node:dgram';
import type { UdpReceiverHelper } from './udpReceiverHelper.js';

/**
 * Binds the client's UDP port pairs (even RTP, odd RTCP) for readers.
 *
 * A socket per port: the server tells sessions apart by the client's address and port
 * (it sends RTP to client_port and matches RTCP by its source port), and the kernel
 * demultiplexes UDP by destination port, so every session's RTP port must be its own
 * bound socket; one socket cannot receive on many ports. What is shared is the work.
 * In Node every socket is served by the one event loop, but each datagram still costs
 * a JS callback, a Buffer and an rinfo object (about 4 µs here), which caps a Node
 * reader near 200,000 packets/s, about 1,000 sessions of this movie. So when the bench
 * could build it, RTP ports are bound by udpReceiver.c, which drains every socket with
 * epoll + recvmmsg, reading only RTP headers; the RTCP port of each pair stays a Node
 * socket (a few packets per 5 s). The limit is then file descriptors: four per
 * two-track UDP session plus its TCP connection, against `ulimit -n`.
 *
 * Ports are handed out moving forward through a range below the ephemeral range, so a
 * port is not reused by the next step while stale packets may still arrive; a port some
 * other program holds is skipped.
 */
export interface UdpPair {
  readonly port: number;
  /** The RTP socket when Node receives; null when udpReceiver.c does (see `slot`). */
  readonly rtp: dgram.Socket | null;
  readonly slot: number | null;
  readonly rtcp: dgram.Socket;
}

export class UdpPortAllocator {
  private cursor: number;

  constructor(
    private readonly address = '127.0.0.1',
    private readonly low = 10_000,
    private readonly high = 32_700,
    private readonly recvBufferBytes = 8 * 1024 * 1024,
  ) {
    this.cursor = low;
  }

  /** With a helper, its slot receives RTP; without, a Node socket does. */
  async bindPair(helper: UdpReceiverHelper | null): Promise<UdpPair> {
    const attempts = (this.high - this.low) / 2;
    for (let i = 0; i < attempts; i++) {
      const port = this.cursor;
      this.cursor += 2;
      if (this.cursor >= this.high) this.cursor = this.low;
      const rtcp = dgram.createSocket({ type: 'udp4' });
      try {
        await bind(rtcp, port + 1, this.address);
      } catch {
        closeQuietly(rtcp);
        continue;
      }
      if (helper) {
        try {
          return { port, rtp: null, slot: await helper.open(port), rtcp };
        } catch {
          closeQuietly(rtcp);
          continue;
        }
      }
      const rtp = dgram.createSocket({ type: 'udp4' });
      try {
        await bind(rtp, port, this.address);
        try {
          // Capped by net.core.rmem_max; a larger buffer only absorbs bursts, it costs nothing idle.
          rtp.setRecvBufferSize(this.recvBufferBytes);
        } catch {
          // Keep the default.
        }
        return { port, rtp, slot: null, rtcp };
      } catch {
        closeQuietly(rtp);
        closeQuietly(rtcp);
      }
    }
    throw new Error(`no free UDP port pair between ${this.low} and ${this.high}`);
  }
}
function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve();
    });
  });
}

export function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed or never bound.
  }
}
