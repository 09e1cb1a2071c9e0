/**
 * Opus over RTP, RFC 7587: one Opus packet (one MP4 sample) per RTP packet, never
 * fragmented; the RTP clock is always 48 kHz and the rtpmap always says 2 channels,
 * whatever the stream carries (`sprop-stereo` tells the receiver what to expect).
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';

export interface OpusPacketizerOptions {
  readonly payloadType: number;
  /** Channels of the stream (1 or 2; RFC 7587 has no mapping for more). */
  readonly channels: number;
}

export class OpusPacketizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate = 48000;
  readonly mediaType = 'audio' as const;
  readonly rtpmap = 'opus/48000/2';
  readonly fmtp: string;
  readonly extraAttributes: readonly string[] = [];
  private oversized = 0;

  constructor(options: OpusPacketizerOptions) {
    this.payloadType = options.payloadType;
    this.fmtp = `sprop-stereo=${options.channels >= 2 ? 1 : 0}`;
  }

  /** Opus packets larger than a payload: they cannot be split, so they are skipped. */
  get oversizedSamples(): number {
    return this.oversized;
  }

  /** An empty sample is a DTX gap and sends nothing (RFC 7587 section 4.1). */
  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    if (sample.length === 0) return [];
    if (sample.length > maxPayloadSize) {
      this.oversized++;
      return [];
    }
    return [{ chunks: [sample], marker: false }];
  }
}

/** Output channel count from a 'dOps' body (OpusSpecificBox: version, OutputChannelCount, ...). */
export function opusChannelsOf(dOps: Buffer | undefined): number | undefined {
  return dOps !== undefined && dOps.length >= 2 ? dOps[1]! : undefined;
}
