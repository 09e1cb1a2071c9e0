import type { Packetizer, RtpPayload } from '../../domain/media/packetizer.js';

/**
 * The packets of recently sent samples of one track, shared by every session playing
 * it: N viewers of a movie packetize each sample once, not N times. Payloads are
 * immutable chunk lists (views of the block cache); each session only writes its own
 * RTP header. Bounded, oldest first out.
 */
export class PayloadCache {
  private readonly entries = new Map<number, RtpPayload[]>();

  constructor(
    private readonly packetizer: Packetizer,
    private readonly maxSamples = 4096,
  ) {}

  payloads(sampleIndex: number, sample: Buffer, maxPayloadBytes: number): RtpPayload[] {
    const cached = this.entries.get(sampleIndex);
    if (cached) return cached;
    const payloads = this.packetizer.packetize(sample, maxPayloadBytes);
    this.entries.set(sampleIndex, payloads);
    if (this.entries.size > this.maxSamples) this.entries.delete(this.entries.keys().next().value as number);
    return payloads;
  }
}
