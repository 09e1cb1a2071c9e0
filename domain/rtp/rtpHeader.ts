/** The fixed 12-byte RTP header (RFC 3550 §5.1), written without extensions or CSRCs. */
export const RTP_HEADER_SIZE = 12;

export function writeRtpHeader(
  target: Buffer,
  offset: number,
  payloadType: number,
  marker: boolean,
  sequence: number,
  timestamp: number,
  ssrc: number,
): void {
  target[offset] = 0x80; // version 2, no padding, no extension, no CSRC
  target[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  target.writeUInt16BE(sequence & 0xffff, offset + 2);
  target.writeUInt32BE(timestamp >>> 0, offset + 4);
  target.writeUInt32BE(ssrc >>> 0, offset + 8);
}

export interface RtpHeaderView {
  readonly version: number;
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Offset of the payload (after CSRCs and any header extension). */
  readonly payloadOffset: number;
}

/** Reads an RTP header; null when the packet is too short or not version 2. */
export function readRtpHeader(packet: Buffer): RtpHeaderView | null {
  if (packet.length < RTP_HEADER_SIZE || packet[0]! >> 6 !== 2) return null;
  const csrcCount = packet[0]! & 0x0f;
  let payloadOffset = RTP_HEADER_SIZE + 4 * csrcCount;
  if (packet[0]! & 0x10) {
    if (packet.length < payloadOffset + 4) return null;
    payloadOffset += 4 + 4 * packet.readUInt16BE(payloadOffset + 2);
  }
  if (packet.length < payloadOffset) return null;
  return {
    version: 2,
    padding: (packet[0]! & 0x20) !== 0,
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset,
  };
}
