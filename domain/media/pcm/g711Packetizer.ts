/**
 * G.711 over RTP (RFC 3551 section 4.5.14): PCMU (µ-law, static payload type 0) and
 * PCMA (A-law, 8) at 8000 Hz mono; other rates or channel counts take the dynamic type
 * given, with the rate and channels in the rtpmap. One byte per sample, sent as stored,
 * in packets of about 20 ms.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';
import { DEFAULT_PACKET_MS, pcmPayloads } from './pcmPackets.js';

export const PCMU_PAYLOAD_TYPE = 0;
export const PCMA_PAYLOAD_TYPE = 8;

export interface G711PacketizerOptions {
  readonly law: 'ulaw' | 'alaw';
  readonly sampleRate: number;
  readonly channels: number;
  /** Used only when the static type does not apply (not 8000 Hz mono). */
  readonly dynamicPayloadType: number;
  readonly packetMs?: number;
}

export class G711Packetizer implements Packetizer {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly mediaType = 'audio' as const;
  readonly rtpmap: string;
  readonly fmtp = null;
  readonly extraAttributes: readonly string[];
  private readonly channels: number;
  private readonly framesPerPacket: number;

  constructor(options: G711PacketizerOptions) {
    const name = options.law === 'ulaw' ? 'PCMU' : 'PCMA';
    const isStatic = options.sampleRate === 8000 && options.channels === 1;
    this.payloadType = isStatic ? (options.law === 'ulaw' ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE) : options.dynamicPayloadType;
    this.clockRate = options.sampleRate;
    this.channels = options.channels;
    this.rtpmap = `${name}/${options.sampleRate}${options.channels === 1 ? '' : `/${options.channels}`}`;
    const packetMs = options.packetMs ?? DEFAULT_PACKET_MS;
    this.framesPerPacket = Math.max(1, Math.round((options.sampleRate * packetMs) / 1000));
    this.extraAttributes = [`ptime:${packetMs}`];
  }

  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    return pcmPayloads(sample, this.channels, this.framesPerPacket, maxPayloadSize);
  }
}
