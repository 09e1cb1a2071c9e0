/**
 * H.265 over RTP, RFC 7798 without DON (sprop-max-don-diff 0): a NAL unit that fits goes
 * out as a Single NAL Unit packet, a larger one as Fragmentation Units (type 49). Sample
 * bytes are never copied; each fragment adds a new 3-byte payload + FU header.
 */
import { splitNalUnits } from '../h264/nalUnits.js';
import type { Packetizer, RtpPayload } from '../packetizer.js';
import type { HevcConfig } from './hevcConfig.js';
import { framesizeAttributes } from '../framesizeAttribute.js';

const FU = 49;
const FU_START = 0x80;
const FU_END = 0x40;
/** Payload header (2) + FU header (1). */
const FU_OVERHEAD = 3;

export interface H265PacketizerOptions {
  readonly payloadType: number;
  readonly config: HevcConfig;
  readonly width?: number;
  readonly height?: number;
}

export class H265Packetizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate = 90000;
  readonly mediaType = 'video' as const;
  readonly rtpmap = 'H265/90000';
  readonly fmtp: string;
  readonly extraAttributes: readonly string[];
  private readonly nalLengthSize: number;
  private truncatedSamples = 0;

  constructor(options: H265PacketizerOptions) {
    this.payloadType = options.payloadType;
    this.nalLengthSize = options.config.nalLengthSize;
    this.fmtp = h265Fmtp(options.config);
    const { width, height } = options;
    this.extraAttributes = framesizeAttributes(options.payloadType, width, height);
  }

  /** Samples whose NAL lengths ran past their end (sent only up to the bad length). */
  get malformedSamples(): number {
    return this.truncatedSamples;
  }

  /** One access unit (sample) to packets; the marker goes on the last. maxPayloadSize must exceed 3. */
  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (!(maxPayloadSize > FU_OVERHEAD)) throw new RangeError(`maxPayloadSize ${maxPayloadSize} is too small for H.265`);
    const { units, truncated } = splitNalUnits(sample, this.nalLengthSize);
    if (truncated) this.truncatedSamples++;
    const payloads: RtpPayload[] = [];
    for (const nal of units) {
      // A NAL unit needs its 2-byte header; a shorter one is corrupt and skipped.
      if (nal.length < 3) continue;
      if (nal.length <= maxPayloadSize) payloads.push({ chunks: [nal], marker: false });
      else fragment(nal, maxPayloadSize, payloads);
    }
    const last = payloads.at(-1);
    if (last !== undefined) payloads[payloads.length - 1] = { chunks: last.chunks, marker: true };
    return payloads;
  }
}

/**
 * FU: the payload header is the NAL header with type 49 (F, LayerId and TID kept); the FU
 * header carries S/E and the NAL type; the NAL's own 2-byte header is not sent.
 */
function fragment(nal: Buffer, maxPayloadSize: number, out: RtpPayload[]): void {
  const type = (nal[0]! >> 1) & 0x3f;
  const header0 = (nal[0]! & 0x81) | (FU << 1);
  const header1 = nal[1]!;
  const room = maxPayloadSize - FU_OVERHEAD;
  for (let pos = 2; pos < nal.length; pos += room) {
    const end = Math.min(nal.length, pos + room);
    const flags = (pos === 2 ? FU_START : 0) | (end === nal.length ? FU_END : 0);
    out.push({ chunks: [Buffer.from([header0, header1, flags | type]), nal.subarray(pos, end)], marker: false });
  }
}

/** RFC 7798 section 7.1: profile/tier/level from hvcC, parameter sets in base64. */
export function h265Fmtp(config: HevcConfig): string {
  const parts: string[] = [];
  if (config.profileSpace !== 0) parts.push(`profile-space=${config.profileSpace}`);
  parts.push(`profile-id=${config.profileIdc}`, `tier-flag=${config.tierFlag}`, `level-id=${config.levelIdc}`);
  const sets: Array<[string, Buffer[]]> = [
    ['sprop-vps', config.vps],
    ['sprop-sps', config.sps],
    ['sprop-pps', config.pps],
  ];
  for (const [name, units] of sets) {
    if (units.length > 0) parts.push(`${name}=${units.map((u) => u.toString('base64')).join(',')}`);
  }
  return parts.join(';');
}
