import { ntpFromUnixMs } from './ntpTime.js';

/**
 * Builds a compound RTCP packet: a sender report (RFC 3550 §6.4.1) with no report
 * blocks, followed by an SDES with the CNAME, as every compound packet must carry.
 */
export function buildSenderReport(params: {
  ssrc: number;
  unixMs: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  cname: string;
}): Buffer {
  const cname = Buffer.from(params.cname.slice(0, 255), 'utf8');
  // SDES chunk: SSRC, CNAME item (type 1, length, text), END item, padded to 32 bits.
  const chunkLength = 4 + 2 + cname.length + 1;
  const sdesPadded = Math.ceil(chunkLength / 4) * 4;
  const packet = Buffer.alloc(28 + 4 + sdesPadded);
  packet[0] = 0x80; // V=2, RC=0
  packet[1] = 200; // SR
  packet.writeUInt16BE(6, 2); // length in 32-bit words minus one
  packet.writeUInt32BE(params.ssrc >>> 0, 4);
  const ntp = ntpFromUnixMs(params.unixMs);
  packet.writeUInt32BE(ntp.seconds, 8);
  packet.writeUInt32BE(ntp.fraction, 12);
  packet.writeUInt32BE(params.rtpTimestamp >>> 0, 16);
  packet.writeUInt32BE(params.packetCount >>> 0, 20);
  packet.writeUInt32BE(params.octetCount >>> 0, 24);
  const sdes = 28;
  packet[sdes] = 0x81; // V=2, SC=1
  packet[sdes + 1] = 202; // SDES
  packet.writeUInt16BE(sdesPadded / 4, sdes + 2);
  packet.writeUInt32BE(params.ssrc >>> 0, sdes + 4);
  packet[sdes + 8] = 1; // CNAME
  packet[sdes + 9] = cname.length;
  cname.copy(packet, sdes + 10);
  // The END item and padding are the zeros already there.
  return packet;
}

/** Builds an RTCP BYE (RFC 3550 §6.6) for one SSRC. */
export function buildBye(ssrc: number): Buffer {
  const packet = Buffer.alloc(8);
  packet[0] = 0x81;
  packet[1] = 203;
  packet.writeUInt16BE(1, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  return packet;
}
