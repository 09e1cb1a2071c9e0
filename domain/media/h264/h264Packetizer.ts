/**
 * H.264 over RTP, RFC 6184 packetization-mode=1 (non-interleaved): a NAL unit that
 * fits goes out as a Single NAL Unit packet, a larger one as FU-A fragments. Sample
 * bytes are never copied; only each fragment's 2-byte FU indicator/header is new.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';
import type { AvcConfig } from './avcConfig.js';
import { splitNalUnits } from './nalUnits.js';
import { framesizeAttributes } from '../framesizeAttribute.js';

const FU_A = 28;
const FU_START = 0x80;
const FU_END = 0x40;

export interface H264PacketizerOptions {
  readonly payloadType: number;
  readonly config: AvcConfig;
  /** From the sample description, for the QuickTime-style `framesize` attribute. */
  readonly width?: number;
  readonly height?: number;
}

export class H264Packetizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate = 90000;
  readonly mediaType = 'video' as const;
  readonly rtpmap = 'H264/90000';
  readonly fmtp: string;
  readonly extraAttributes: readonly string[];
  private readonly nalLengthSize: number;
  private truncatedSamples = 0;

  constructor(options: H264PacketizerOptions) {
    this.payloadType = options.payloadType;
    this.nalLengthSize = options.config.nalLengthSize;
    this.fmtp = h264Fmtp(options.config);
    const { width, height } = options;
    this.extraAttributes = framesizeAttributes(options.payloadType, width, height);
  }

  /** Samples whose NAL lengths ran past their end (sent only up to the bad length). */
  get malformedSamples(): number {
    return this.truncatedSamples;
  }

  /**
   * A sample whose NAL length prefix runs past its end is not an error here: the NAL
   * units before it are sent and the rest of the sample is skipped, so one corrupt
   * sample costs a damaged frame rather than the stream. The marker then goes on the
   * last packet that is sent. maxPayloadSize below 3 cannot carry an FU-A byte and is a
   * programming error (RangeError).
   */
  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (!(maxPayloadSize >= 3)) throw new RangeError(`maxPayloadSize ${maxPayloadSize} is too small for H.264`);
    const { units, truncated } = splitNalUnits(sample, this.nalLengthSize);
    if (truncated) this.truncatedSamples++;
    const payloads: RtpPayload[] = [];
    for (const nal of units) {
      if (nal.length <= maxPayloadSize) {
        payloads.push({ chunks: [nal], marker: false });
      } else {
        fragment(nal, maxPayloadSize, payloads);
      }
    }
    const last = payloads.at(-1);
    if (last !== undefined) payloads[payloads.length - 1] = { chunks: last.chunks, marker: true };
    return payloads;
  }
}

/** FU-A: the NAL header's F and NRI move into the FU indicator, its type into the FU header. */
function fragment(nal: Buffer, maxPayloadSize: number, out: RtpPayload[]): void {
  const header = nal[0]!;
  const indicator = (header & 0xe0) | FU_A;
  const type = header & 0x1f;
  const room = maxPayloadSize - 2;
  for (let pos = 1; pos < nal.length; pos += room) {
    const end = Math.min(nal.length, pos + room);
    const flags = (pos === 1 ? FU_START : 0) | (end === nal.length ? FU_END : 0);
    out.push({ chunks: [Buffer.from([indicator, flags | type]), nal.subarray(pos, end)], marker: false });
  }
}

/** The SDP fmtp for packetization-mode=1, with profile-level-id from the first SPS. */
export function h264Fmtp(config: AvcConfig): string {
  const sps = config.sps[0];
  const profileLevel =
    sps !== undefined && sps.length >= 4
      ? sps.subarray(1, 4)
      : Buffer.from([config.profileIndication, config.profileCompatibility, config.levelIndication]);
  const parts = ['packetization-mode=1', `profile-level-id=${profileLevel.toString('hex').toUpperCase()}`];
  if (config.sps.length > 0 && config.pps.length > 0) {
    const sets = [...config.sps, ...config.pps].map((set) => set.toString('base64'));
    parts.push(`sprop-parameter-sets=${sets.join(',')}`);
  }
  return parts.join(';');
}
