import type { Percentiles } from './protocol.js';

/**
 * Ingest-to-egress latency of a live stream, measured inside the load client, which
 * both forwards the publisher's packets to the server (ingestProbe.ts) and reads them
 * back from it, so one clock times both ends.
 *
 * A packet is recognised at egress by its payload, not its header, because a server
 * may rewrite sequence numbers, timestamps and SSRC per reader: the key is the payload
 * length and its last four bytes (video slices are high-entropy; a stale key is dropped
 * after KEEP_MS). Delays go into a fixed histogram of 0.1 ms buckets (no allocation per
 * packet); anything over 10 s lands in the last bucket, and the exact maximum is kept.
 */
const KEEP_MS = 5_000;
const BUCKET_MS = 0.1;
const BUCKETS = 100_000;

export class IngestLatency {
  private readonly sentAt = new Map<number, number>();
  private readonly histogram = new Uint32Array(BUCKETS);
  private observed = 0;
  private maxMs = 0;
  ingestPackets = 0;
  private lastSweepMs = 0;

  /** A publisher's RTP packet seen on its way into the server. */
  recordIngress(buffer: Buffer, offset: number, length: number, nowMs: number): void {
    const key = payloadKey(buffer, offset, length);
    if (key < 0) return;
    this.ingestPackets++;
    // Delete first so a repeated key moves to the end and the sweep's order stays by age.
    this.sentAt.delete(key);
    this.sentAt.set(key, nowMs);
    if (nowMs - this.lastSweepMs > 1000) this.sweep(nowMs);
  }

  /** A reader's RTP packet out of the server. */
  observeEgress(buffer: Buffer, offset: number, length: number, nowMs: number): void {
    if (this.sentAt.size === 0) return;
    const key = payloadKey(buffer, offset, length);
    if (key < 0) return;
    const sent = this.sentAt.get(key);
    if (sent === undefined) return;
    const delay = nowMs - sent;
    this.observed++;
    if (delay > this.maxMs) this.maxMs = delay;
    this.histogram[Math.min(BUCKETS - 1, Math.max(0, Math.floor(delay / BUCKET_MS)))]!++;
  }

  /** Percentiles since the previous call, then starts a new interval. */
  takePercentiles(): Percentiles {
    const count = this.observed;
    const at = (q: number): number | null => {
      if (count === 0) return null;
      const rank = Math.ceil(q * count);
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.histogram[i]!;
        if (seen >= rank) return (i + 1) * BUCKET_MS;
      }
      return this.maxMs;
    };
    const result: Percentiles = { count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: count === 0 ? null : this.maxMs };
    this.histogram.fill(0);
    this.observed = 0;
    this.maxMs = 0;
    return result;
  }

  clear(): void {
    this.sentAt.clear();
  }

  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    // A Map iterates in insertion order, so the oldest keys come first.
    for (const [key, at] of this.sentAt) {
      if (nowMs - at < KEEP_MS) break;
      this.sentAt.delete(key);
    }
  }
}

/** Payload length × 2^32 + the payload's last 32 bits; −1 when the packet has no payload. */
function payloadKey(buffer: Buffer, offset: number, length: number): number {
  if (length < 16) return -1;
  const first = buffer[offset]!;
  let payloadOffset = 12 + 4 * (first & 0x0f);
  if (first & 0x10) {
    if (length < payloadOffset + 4) return -1;
    payloadOffset += 4 + 4 * buffer.readUInt16BE(offset + payloadOffset + 2);
  }
  let end = length;
  if (first & 0x20) end -= buffer[offset + length - 1]!;
  const payloadLength = end - payloadOffset;
  if (payloadLength < 4) return -1;
  return payloadLength * 0x1_0000_0000 + buffer.readUInt32BE(offset + end - 4);
}
