import { randomBytes } from 'node:crypto';
import { writeRtpHeader, RTP_HEADER_SIZE } from '../../domain/rtp/rtpHeader.js';
import { buildBye, buildSenderReport } from '../../domain/rtp/rtcpSenderReport.js';
import type { RtpSink } from './rtpSink.js';

/**
 * One track's RTP identity and counters towards one destination: SSRC, sequence
 * numbers, the mapping from media time to RTP time, and sender reports. Counters are
 * plain numbers read by the control plane when it samples or closes the session.
 */
export class TrackSender {
  readonly ssrc: number;
  private sequence: number;
  /** RTP timestamp of media time zero. */
  private readonly timestampBase: number;
  packetsSent = 0;
  /** RTP payload octets, as RTCP counts them. */
  payloadBytesSent = 0;
  /** Bytes on the wire above IP/UDP (RTP header + payload), as the access log counts them. */
  bytesSent = 0;
  private lastReportMs = -Infinity;
  /** One header reused for every packet when the sink copies it (TCP): no allocation per packet. */
  private readonly reusableHeader: Buffer | null;

  constructor(
    readonly trackId: number,
    readonly sink: RtpSink,
    private readonly payloadType: number,
    readonly clockRate: number,
    private readonly cname: string,
    /** Server-wide byte counter the throughput limit reads. */
    private readonly meter: { bytesSent: number },
  ) {
    const seed = randomBytes(10);
    this.ssrc = seed.readUInt32BE(0);
    this.sequence = seed.readUInt16BE(4);
    this.timestampBase = seed.readUInt32BE(6);
    this.reusableHeader = sink.copiesHeader ? Buffer.allocUnsafeSlow(RTP_HEADER_SIZE) : null;
  }

  get ssrcHex(): string {
    return this.ssrc.toString(16).toUpperCase().padStart(8, '0');
  }

  /** Sequence number the next packet will carry. */
  get nextSequence(): number {
    return this.sequence & 0xffff;
  }

  /** RTP timestamp of a media time in seconds. */
  rtpTimeAt(seconds: number): number {
    return (this.timestampBase + Math.round(seconds * this.clockRate)) >>> 0;
  }

  send(chunks: readonly Buffer[], marker: boolean, rtpTimestamp: number): void {
    const header = this.reusableHeader ?? Buffer.allocUnsafe(RTP_HEADER_SIZE);
    writeRtpHeader(header, 0, this.payloadType, marker, this.sequence, rtpTimestamp, this.ssrc);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.sink.sendRtp(header, chunks);
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    this.packetsSent++;
    this.payloadBytesSent += size;
    this.bytesSent += size + RTP_HEADER_SIZE;
    this.meter.bytesSent += size + RTP_HEADER_SIZE;
  }

  /** Sends a sender report if the last one is older than the interval. */
  maybeReport(nowMs: number, mediaSecondsNow: number, intervalMs = 5000): void {
    if (nowMs - this.lastReportMs < intervalMs || this.packetsSent === 0) return;
    this.lastReportMs = nowMs;
    this.sink.sendRtcp(this.senderReport(mediaSecondsNow));
  }

  /**
   * BYE goes in a compound packet after SR and SDES, as RFC 3550 §6.1 requires;
   * clients such as ffmpeg drop a bare 8-byte BYE as too short to be RTCP.
   */
  sendBye(mediaSecondsNow: number): void {
    this.sink.sendRtcp(Buffer.concat([this.senderReport(mediaSecondsNow), buildBye(this.ssrc)]));
  }

  private senderReport(mediaSecondsNow: number): Buffer {
    return buildSenderReport({
      ssrc: this.ssrc,
      unixMs: Date.now(),
      rtpTimestamp: this.rtpTimeAt(mediaSecondsNow),
      packetCount: this.packetsSent,
      octetCount: this.payloadBytesSent,
      cname: this.cname,
    });
  }
}
