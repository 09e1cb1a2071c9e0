/**
 * MPEG audio (layers I-III, so MP2 and MP3) over RTP, RFC 2250 section 3.5 with the
 * static payload type 14 (RFC 3551): a 4-byte header (16 bits must-be-zero, 16-bit
 * fragment offset) then the frame. A frame larger than a payload is split; each
 * fragment's offset is where its bytes start in the frame. The clock is 90 kHz
 * whatever the sampling rate.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';

export const MPA_PAYLOAD_TYPE = 14;
const HEADER_SIZE = 4;

export class MpaPacketizer implements Packetizer {
  readonly payloadType = MPA_PAYLOAD_TYPE;
  readonly clockRate = 90000;
  readonly mediaType = 'audio' as const;
  readonly rtpmap = 'MPA/90000';
  readonly fmtp = null;
  readonly extraAttributes: readonly string[] = [];

  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (!(maxPayloadSize > HEADER_SIZE)) throw new RangeError(`maxPayloadSize ${maxPayloadSize} is too small for MPA`);
    const room = maxPayloadSize - HEADER_SIZE;
    const payloads: RtpPayload[] = [];
    // Offsets are 16 bits: a frame can be at most 2881 bytes (layer II, 384 kbit/s, 32 kHz).
    for (let pos = 0; pos < sample.length && pos <= 0xffff; pos += room) {
      const end = Math.min(sample.length, pos + room);
      payloads.push({ chunks: [mpaHeader(pos), sample.subarray(pos, end)], marker: false });
    }
    return payloads;
  }
}

function mpaHeader(fragmentOffset: number): Buffer {
  return Buffer.from([0, 0, fragmentOffset >> 8, fragmentOffset & 0xff]);
}
