import type { UdpPortPair } from './udpPortPair.js';

/**
 * Where one track's RTP and RTCP go: a client's UDP ports through the shared pair,
 * or channels interleaved on its RTSP connection.
 */
export interface RtpSink {
  readonly transport: 'UDP' | 'TCP';
  /**
   * True when sendRtp has copied the header before it returns, so the caller may reuse
   * it for the next packet. Not for UDP: a datagram the kernel cannot take at once is
   * queued by Node with the caller's buffers.
   */
  readonly copiesHeader: boolean;
  /** Sends one RTP packet given as header + payload chunks (scatter/gather, no copy). */
  sendRtp(header: Buffer, chunks: readonly Buffer[]): void;
  sendRtcp(packet: Buffer): void;
  /** Forwards a whole RTP packet as it is (live fan-out: one Buffer for every reader). */
  sendPacket(packet: Buffer): void;
  /** False while the destination cannot take more (TCP backpressure); on-demand senders wait. */
  writable(): boolean;
}

export class UdpSink implements RtpSink {
  readonly transport = 'UDP' as const;
  readonly copiesHeader = false;

  constructor(
    private readonly pair: UdpPortPair,
    readonly address: string,
    readonly rtpPort: number,
    readonly rtcpPort: number,
  ) {}

  sendRtp(header: Buffer, chunks: readonly Buffer[]): void {
    // Scatter/gather: the payload bytes are not copied (the list is; it is a few pointers).
    const list = chunks.length === 1 ? [header, chunks[0]!] : [header, ...chunks];
    this.pair.rtp.send(list, this.rtpPort, this.address);
  }

  sendRtcp(packet: Buffer): void {
    this.pair.rtcp.send(packet, this.rtcpPort, this.address);
  }

  sendPacket(packet: Buffer): void {
    this.pair.rtp.send(packet, this.rtpPort, this.address);
  }

  writable(): boolean {
    return true;
  }
}

/** What an RTSP connection offers for interleaved writes. */
export interface InterleavedWriter {
  writeInterleaved(channel: number, header: Buffer, chunks: readonly Buffer[]): void;
  /** True while the connection's send buffer is below its high-water mark. */
  canWrite(): boolean;
}

const NO_CHUNKS: readonly Buffer[] = [];

export class InterleavedSink implements RtpSink {
  readonly transport = 'TCP' as const;
  /** Frames are copied into the connection's batch at once (rtspConnection.writeInterleaved). */
  readonly copiesHeader = true;

  constructor(
    private readonly writer: InterleavedWriter,
    readonly rtpChannel: number,
    readonly rtcpChannel: number,
  ) {}

  sendRtp(header: Buffer, chunks: readonly Buffer[]): void {
    this.writer.writeInterleaved(this.rtpChannel, header, chunks);
  }

  sendRtcp(packet: Buffer): void {
    this.writer.writeInterleaved(this.rtcpChannel, packet, NO_CHUNKS);
  }

  sendPacket(packet: Buffer): void {
    this.writer.writeInterleaved(this.rtpChannel, packet, NO_CHUNKS);
  }

  writable(): boolean {
    return this.writer.canWrite();
  }
}
