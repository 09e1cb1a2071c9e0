/**
 * Reads a compound RTCP packet (RFC 3550 §6.1) far enough for liveness and loss
 * accounting: the sender's SSRC, receiver report blocks, and BYE.
 */
export interface ReportBlock {
  readonly ssrc: number;
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly highestSequence: number;
  readonly jitter: number;
}

export interface RtcpSummary {
  readonly senderSsrc: number | null;
  readonly reports: readonly ReportBlock[];
  readonly bye: boolean;
  readonly packetTypes: readonly number[];
}

/** Null when the bytes are not a valid compound RTCP packet. */
export function readRtcpCompound(data: Buffer): RtcpSummary | null {
  let offset = 0;
  let senderSsrc: number | null = null;
  const reports: ReportBlock[] = [];
  const packetTypes: number[] = [];
  let bye = false;
  while (offset + 4 <= data.length) {
    if (data[offset]! >> 6 !== 2) return null;
    const count = data[offset]! & 0x1f;
    const type = data[offset + 1]!;
    const length = (data.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > data.length) return null;
    packetTypes.push(type);
    if ((type === 200 || type === 201) && length >= 8) {
      senderSsrc ??= data.readUInt32BE(offset + 4);
      let block = offset + (type === 200 ? 28 : 8);
      for (let i = 0; i < count && block + 24 <= offset + length; i++, block += 24) {
        const lostWord = data.readUInt32BE(block + 4);
        reports.push({
          ssrc: data.readUInt32BE(block),
          fractionLost: lostWord >>> 24,
          cumulativeLost: lostWord & 0x00ffffff,
          highestSequence: data.readUInt32BE(block + 8),
          jitter: data.readUInt32BE(block + 12),
        });
      }
    } else if (type === 203) {
      bye = true;
    }
    offset += length;
  }
  return offset === 0 ? null : { senderSsrc, reports, bye, packetTypes };
}
