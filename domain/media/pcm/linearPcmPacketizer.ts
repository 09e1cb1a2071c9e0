/**
 * Linear PCM over RTP (RFC 3551 sections 4.5.10-11): L16 is 16-bit signed big-endian,
 * L8 is 8-bit offset binary (silence is 128). Stored samples already in that form go
 * out as views; little-endian 16-bit ('sowt', WAV) and signed 8-bit sources are
 * converted, which needs a copy of each packet's bytes. Dynamic payload type, the rate
 * and channels in the rtpmap, packets of about 20 ms.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';
import type { PcmLayout } from './pcmFormat.js';
import { DEFAULT_PACKET_MS, pcmPayloads } from './pcmPackets.js';

export interface LinearPcmPacketizerOptions {
  readonly payloadType: number;
  readonly layout: PcmLayout;
  readonly packetMs?: number;
}

export class LinearPcmPacketizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly mediaType = 'audio' as const;
  readonly rtpmap: string;
  readonly fmtp = null;
  readonly extraAttributes: readonly string[];
  private readonly bytesPerFrame: number;
  private readonly framesPerPacket: number;
  private readonly convert: ((bytes: Buffer) => Buffer) | undefined;

  constructor(options: LinearPcmPacketizerOptions) {
    const { layout } = options;
    if (layout.encoding !== 'linear' || (layout.bits !== 8 && layout.bits !== 16)) {
      throw new RangeError(`L8/L16 cannot carry ${layout.bits}-bit ${layout.encoding}`);
    }
    this.payloadType = options.payloadType;
    this.clockRate = layout.sampleRate;
    this.bytesPerFrame = layout.bytesPerFrame;
    this.rtpmap = `L${layout.bits}/${layout.sampleRate}/${layout.channels}`;
    const packetMs = options.packetMs ?? DEFAULT_PACKET_MS;
    this.framesPerPacket = Math.max(1, Math.round((layout.sampleRate * packetMs) / 1000));
    this.extraAttributes = [`ptime:${packetMs}`];
    if (layout.bits === 16 && !layout.bigEndian) this.convert = swapToBigEndian;
    else if (layout.bits === 8 && layout.signed) this.convert = signedToOffsetBinary;
  }

  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    return pcmPayloads(sample, this.bytesPerFrame, this.framesPerPacket, maxPayloadSize, this.convert);
  }
}

/** A big-endian copy of little-endian 16-bit samples. */
export function swapToBigEndian(bytes: Buffer): Buffer {
  return Buffer.from(bytes).swap16();
}

/** An offset-binary copy of signed 8-bit samples (flip the sign bit). */
export function signedToOffsetBinary(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! ^ 0x80;
  return out;
}
