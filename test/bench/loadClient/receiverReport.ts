import { readRtcpCompound } from '../../../domain/rtp/rtcpPacket.js';
import type { TrackCounter } from './trackCounter.js';

/**
 * RTCP of a reader: the compound receiver report (RR + SDES CNAME, RFC 3550 §6.4.2)
 * it sends every few seconds, which is also what keeps a UDP session alive on the
 * server, and what it notes from the server's sender reports (for LSR/DLSR) and BYE.
 */
export function buildReceiverReport(senderSsrc: number, counter: TrackCounter, cname: string, nowMs: number): Buffer {
  const name = Buffer.from(cname.slice(0, 255), 'utf8');
  const hasBlock = counter.sourceSsrc !== 0;
  const rrLength = 8 + (hasBlock ? 24 : 0);
  const sdesChunk = 4 + 2 + name.length + 1;
  const sdesPadded = Math.ceil(sdesChunk / 4) * 4;
  const packet = Buffer.alloc(rrLength + 4 + sdesPadded);
  packet[0] = 0x80 | (hasBlock ? 1 : 0);
  packet[1] = 201;
  packet.writeUInt16BE(rrLength / 4 - 1, 2);
  packet.writeUInt32BE(senderSsrc >>> 0, 4);
  if (hasBlock) {
    const expected = counter.expected;
    const expectedInterval = expected - counter.expectedAtLastReport;
    const receivedInterval = counter.packets - counter.packetsAtLastReport;
    const lostInterval = expectedInterval - receivedInterval;
    counter.expectedAtLastReport = expected;
    counter.packetsAtLastReport = counter.packets;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    const cumulative = Math.max(-0x800000, Math.min(0x7fffff, expected - counter.packets));
    packet.writeUInt32BE(counter.sourceSsrc >>> 0, 8);
    packet.writeUInt32BE(((fraction << 24) | (cumulative & 0xffffff)) >>> 0, 12);
    packet.writeUInt32BE(Math.max(0, counter.extendedHighest) >>> 0, 16);
    packet.writeUInt32BE(0, 20); // jitter: not estimated by the bench
    packet.writeUInt32BE(counter.lastSrNtpMiddle >>> 0, 24);
    const dlsr = counter.lastSrAtMs === 0 ? 0 : Math.round(((nowMs - counter.lastSrAtMs) / 1000) * 65536);
    packet.writeUInt32BE(dlsr >>> 0, 28);
  }
  const sdes = rrLength;
  packet[sdes] = 0x81;
  packet[sdes + 1] = 202;
  packet.writeUInt16BE(sdesPadded / 4, sdes + 2);
  packet.writeUInt32BE(senderSsrc >>> 0, sdes + 4);
  packet[sdes + 8] = 1;
  packet[sdes + 9] = name.length;
  name.copy(packet, sdes + 10);
  return packet;
}

/** Notes a sender report's time; returns true when the compound packet carries a BYE. */
export function noteServerRtcp(counter: TrackCounter, buffer: Buffer, offset: number, length: number, nowMs: number): boolean {
  const view = buffer.subarray(offset, offset + length);
  const summary = readRtcpCompound(view);
  if (summary === null) return false;
  if (summary.packetTypes[0] === 200 && view.length >= 16) {
    counter.lastSrNtpMiddle = ((view.readUInt32BE(8) & 0xffff) << 16) | (view.readUInt32BE(12) >>> 16);
    counter.lastSrAtMs = nowMs;
  }
  return summary.bye;
}
