import type { HintPacket } from '../../domain/media/hint/hintSample.js';
import { SmallBytesArena } from './smallBytesArena.js';

/**
 * The parsed hint samples of one hint track, and the payloads their packets build,
 * shared by every session playing the movie: like PayloadCache for packetized tracks,
 * N viewers parse each hint sample and gather each packet's bytes once, not N times.
 * Payloads are immutable chunk lists (views of the block cache). Bounded, oldest first out.
 */
export interface ParsedHintSample {
  readonly packets: readonly HintPacket[];
  /**
   * Per packet, its payload chunks once built: null when the hint pointed at bytes that
   * are not there (the packet is skipped), undefined until first built.
   */
  readonly payloads: Array<readonly Buffer[] | null | undefined>;
}

export class HintSampleCache {
  private readonly entries = new Map<number, ParsedHintSample>();
  private readonly arena = new SmallBytesArena();

  constructor(private readonly maxSamples = 4096) {}

  /** A payload fit to keep: chunks that are slices of Node's pool are copied out (see SmallBytesArena). */
  keep(chunks: readonly Buffer[]): readonly Buffer[] {
    return this.arena.keep(chunks);
  }

  get(sampleIndex: number): ParsedHintSample | undefined {
    return this.entries.get(sampleIndex);
  }

  add(sampleIndex: number, packets: readonly HintPacket[]): ParsedHintSample {
    const parsed: ParsedHintSample = { packets, payloads: new Array<readonly Buffer[] | null | undefined>(packets.length) };
    this.entries.set(sampleIndex, parsed);
    if (this.entries.size > this.maxSamples) this.entries.delete(this.entries.keys().next().value as number);
    return parsed;
  }
}
