/**
 * AAC over RTP, RFC 3640 mode AAC-hbr with one access unit per packet: a 16-bit
 * AU-headers-length (always 16 bits: one header), a 16-bit AU-header (13-bit AU-size,
 * 3-bit AU-Index 0), then the AU. An AU too big for one packet is fragmented (RFC 3640
 * section 3.2.3): every fragment repeats the header with the whole AU's size and only
 * the last one carries the marker.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';

const HEADER_SIZE = 4;
/** The largest AU a 13-bit AU-size can describe. */
export const MAX_AU_SIZE = 0x1fff;

export interface AacPacketizerOptions {
  readonly payloadType: number;
  /** The raw AudioSpecificConfig, announced in the fmtp config parameter. */
  readonly config: Buffer;
  /** RTP clock rate: the sampling rate. */
  readonly sampleRate: number;
  readonly channels: number;
}

export class AacPacketizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly mediaType = 'audio' as const;
  readonly rtpmap: string;
  readonly fmtp: string;
  readonly extraAttributes: readonly string[] = [];
  private oversized = 0;

  constructor(options: AacPacketizerOptions) {
    this.payloadType = options.payloadType;
    this.clockRate = options.sampleRate;
    this.rtpmap = `mpeg4-generic/${options.sampleRate}/${options.channels}`;
    this.fmtp =
      'streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;' +
      `config=${options.config.toString('hex')}`;
  }

  /** AUs skipped because 13 bits cannot express their size. */
  get oversizedSamples(): number {
    return this.oversized;
  }

  /**
   * An empty sample yields no packet; an AU over 8191 bytes (impossible for real AAC,
   * so a corrupt sample) is skipped rather than sent with a wrong size. maxPayloadSize
   * must leave room for the 4 header bytes and one AU byte (RangeError otherwise).
   */
  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (!(maxPayloadSize > HEADER_SIZE)) throw new RangeError(`maxPayloadSize ${maxPayloadSize} is too small for AAC`);
    if (sample.length === 0) return [];
    if (sample.length > MAX_AU_SIZE) {
      this.oversized++;
      return [];
    }
    const size = sample.length;
    const room = maxPayloadSize - HEADER_SIZE;
    const payloads: RtpPayload[] = [];
    for (let pos = 0; pos < size; pos += room) {
      const end = Math.min(size, pos + room);
      payloads.push({ chunks: [auHeader(size), sample.subarray(pos, end)], marker: end === size });
    }
    return payloads;
  }
}

/** AU-headers-length = 16 bits, then AU-size (13 bits) and AU-Index 0 (3 bits). */
function auHeader(auSize: number): Buffer {
  return Buffer.from([0x00, 0x10, auSize >> 5, (auSize & 0x1f) << 3]);
}
