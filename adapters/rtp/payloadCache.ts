import type { Packetizer, RtpPayload } from '../../domain/media/packetizer.js';
import { SmallBytesArena } from './smallBytesArena.js';

/**
 * The packets of recently sent samples of one track, shared by every session playing
 * it: N viewers of a movie packetize each sample once, not N times. Payloads are
 * immutable chunk lists (views of the block cache); each session only writes its own
 * RTP header. Bounded, oldest first out.
 */
export class PayloadCache {
  private readonly entries = new Map<number, RtpPayload[]>();
  private readonly arena = new SmallBytesArena();

  constructor(
    private readonly packetizer: Packetizer,
    private readonly maxSamples = 4096,
  ) {}

  /** The sample's packets if some session built them recently. */
  cached(sampleIndex: number): RtpPayload[] | undefined {
    return this.entries.get(sampleIndex);
  }

  payloads(sampleIndex: number, sample: Buffer, maxPayloadBytes: number): RtpPayload[] {
    const cached = this.cached(sampleIndex);
    if (cached) return cached;
    const payloads = this.packetizer.packetize(sample, maxPayloadBytes).map((payload) => this.unpinned(payload));
    this.entries.set(sampleIndex, payloads);
    if (this.entries.size > this.maxSamples) this.entries.delete(this.entries.keys().next().value as number);
    return payloads;
  }

  /** The payload with its pooled chunks (packetizer headers, small samples) copied to the arena. */
  private unpinned(payload: RtpPayload): RtpPayload {
    const chunks = this.arena.keep(payload.chunks);
    return chunks === payload.chunks ? payload : { ...payload, chunks };
  }
}
