import type { SlotCounters } from './udpReceiverHelper.js';

/**
 * Per-track reception counters of one reader, updated once per RTP packet with plain
 * number arithmetic (no allocation): packets, bytes, sequence gaps, late and duplicate
 * packets, and how far the RTP clock advanced. Loss = gaps / expected, where expected
 * is highest − first + 1 in extended sequence numbers (RFC 3550 §A.3).
 */
export class TrackCounter {
  packets = 0;
  bytes = 0;
  gaps = 0;
  late = 0;
  duplicates = 0;
  /** Highest sequence number seen, extended past wraps. */
  extendedHighest = -1;
  private firstExtended = 0;
  private highestSeq = 0;
  private highestTimestamp = 0;
  /** RTP clock units the highest timestamp advanced since the first packet. */
  timestampAdvance = 0;
  /** Filled from RTCP: the SSRC the server sends from (0 until seen). */
  sourceSsrc = 0;
  /** Middle 32 bits of the NTP time of the last sender report, and when it arrived (ms). */
  lastSrNtpMiddle = 0;
  lastSrAtMs = 0;
  /** Counters at the previous receiver report, for its fraction lost. */
  expectedAtLastReport = 0;
  packetsAtLastReport = 0;

  constructor(readonly clockRate: number) {}

  get expected(): number {
    return this.extendedHighest < 0 ? 0 : this.extendedHighest - this.firstExtended + 1;
  }

  get mediaSeconds(): number {
    return this.timestampAdvance / this.clockRate;
  }

  /** Takes the counters udpReceiver.c keeps for this track (cumulative, so assigned). */
  applyRemote(c: SlotCounters): void {
    this.packets = c.packets;
    this.bytes = c.bytes;
    this.gaps = c.gaps;
    this.late = c.late;
    this.duplicates = c.duplicates;
    this.extendedHighest = c.extendedHighest;
    this.firstExtended = c.extendedHighest - c.expected + 1;
    this.timestampAdvance = c.timestampAdvance;
    if (c.ssrc !== 0) this.sourceSsrc = c.ssrc;
  }

  /** Counts one RTP packet at buffer[offset, offset + length). */
  onPacket(buffer: Buffer, offset: number, length: number): void {
    if (length < 12) return;
    const seq = (buffer[offset + 2]! << 8) | buffer[offset + 3]!;
    const timestamp = buffer.readUInt32BE(offset + 4);
    this.packets++;
    this.bytes += length;
    if (this.extendedHighest < 0) {
      this.sourceSsrc = buffer.readUInt32BE(offset + 8);
      this.extendedHighest = seq;
      this.firstExtended = seq;
      this.highestSeq = seq;
      this.highestTimestamp = timestamp;
      return;
    }
    const delta = (seq - this.highestSeq) & 0xffff;
    if (delta === 0) {
      this.duplicates++;
    } else if (delta < 0x8000) {
      this.gaps += delta - 1;
      this.highestSeq = seq;
      this.extendedHighest += delta;
    } else {
      // Behind the highest: a late packet fills a gap counted earlier.
      this.late++;
      if (this.gaps > 0) this.gaps--;
    }
    const advance = (timestamp - this.highestTimestamp) >>> 0;
    if (advance !== 0 && advance < 0x8000_0000) {
      this.timestampAdvance += advance;
      this.highestTimestamp = timestamp;
    }
  }
}
