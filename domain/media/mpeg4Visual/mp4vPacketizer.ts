/**
 * MPEG-4 Visual (Part 2) over RTP, RFC 6416 MP4V-ES: a sample (one VOP, with any VOS/VOL
 * headers in front) goes out whole when it fits; a larger one is split into consecutive
 * byte ranges, the marker on the last. The decoder configuration (VOS + VO + VOL
 * headers) from esds is announced in fmtp `config=`, so receivers can start on any
 * I-VOP.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';
import { framesizeAttributes } from '../framesizeAttribute.js';

export interface Mp4vPacketizerOptions {
  readonly payloadType: number;
  /** The DecoderSpecificInfo of esds: VisualObjectSequence .. VideoObjectLayer headers. */
  readonly config: Buffer | null;
  readonly width?: number;
  readonly height?: number;
}

/** visual_object_sequence_start_code. */
const VOS_START = 0xb0;

export class Mp4vPacketizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate = 90000;
  readonly mediaType = 'video' as const;
  readonly rtpmap = 'MP4V-ES/90000';
  readonly fmtp: string;
  readonly extraAttributes: readonly string[];

  constructor(options: Mp4vPacketizerOptions) {
    this.payloadType = options.payloadType;
    const parts = [`profile-level-id=${profileLevelOf(options.config)}`];
    if (options.config !== null && options.config.length > 0) parts.push(`config=${options.config.toString('hex').toUpperCase()}`);
    this.fmtp = parts.join(';');
    const { width, height } = options;
    this.extraAttributes = framesizeAttributes(options.payloadType, width, height);
  }

  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (!(maxPayloadSize >= 1)) throw new RangeError(`maxPayloadSize ${maxPayloadSize} is too small`);
    const payloads: RtpPayload[] = [];
    for (let pos = 0; pos < sample.length; pos += maxPayloadSize) {
      const end = Math.min(sample.length, pos + maxPayloadSize);
      payloads.push({ chunks: [sample.subarray(pos, end)], marker: end === sample.length });
    }
    return payloads;
  }
}

/**
 * profile_and_level_indication, the byte after the VOS start code 00 00 01 B0; RFC 6416
 * makes 1 (Simple Profile level 1) the default when the configuration has no VOS.
 */
export function profileLevelOf(config: Buffer | null): number {
  if (config === null) return 1;
  for (let i = 0; i + 4 < config.length; i++) {
    if (config[i] === 0 && config[i + 1] === 0 && config[i + 2] === 1 && config[i + 3] === VOS_START) return config[i + 4]!;
  }
  return 1;
}
