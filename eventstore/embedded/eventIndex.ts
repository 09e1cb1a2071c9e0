import { IdTable, hashEventId } from './idTable.js';

/**
 * The in-memory index rebuilt from the log at open. Every event has an ordinal (its index in the
 * global log); per ordinal the index keeps position, record length, stream number and type number in
 * typed arrays (about 20 bytes per event), and per stream the ordinals by revision. Event data is not
 * kept: it is read back from the segment files by position.
 *
 * Events enter the index when they are queued for writing (`count`), and become visible to readers
 * when they are durable (`durableCount`). Durable events are always a prefix of the log.
 */

export interface StreamEntry {
  readonly name: string;
  readonly number: number;
  /** Ordinals by revision, including queued (not yet durable) events. */
  readonly ordinals: number[];
  /** How many of this stream's events are durable (and therefore visible). */
  durableLength: number;
  /** Settles when the latest append queued for this stream is durable (or failed). */
  lastBatch: Promise<unknown> | undefined;
}

export class EventIndex {
  readonly streams: StreamEntry[] = [];
  private readonly byName = new Map<string, StreamEntry>();
  readonly typeNames: string[] = [];
  private readonly typeNumbers = new Map<string, number>();
  readonly ids = new IdTable();

  /** Events in the index, queued ones included. */
  count = 0;
  /** Events durable on disk; ordinals below this are visible. */
  durableCount = 0;

  positions = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  streamOf = new Uint32Array(1024);
  typeOf = new Uint32Array(1024);

  stream(name: string): StreamEntry | undefined {
    return this.byName.get(name);
  }

  createStream(name: string): StreamEntry {
    const entry: StreamEntry = { name, number: this.streams.length, ordinals: [], durableLength: 0, lastBatch: undefined };
    this.streams.push(entry);
    this.byName.set(name, entry);
    return entry;
  }

  typeNumber(type: string): number {
    let n = this.typeNumbers.get(type);
    if (n === undefined) {
      n = this.typeNames.length;
      this.typeNames.push(type);
      this.typeNumbers.set(type, n);
    }
    return n;
  }

  /** Adds an event at the end of the log; returns its ordinal. */
  add(stream: StreamEntry, id: string, type: string, position: number, length: number): number {
    const ordinal = this.count;
    if (ordinal === this.positions.length) this.grow();
    this.positions[ordinal] = position;
    this.lengths[ordinal] = length;
    this.streamOf[ordinal] = stream.number;
    this.typeOf[ordinal] = this.typeNumber(type);
    stream.ordinals.push(ordinal);
    this.ids.insert(hashEventId(stream.number, id), ordinal);
    this.count = ordinal + 1;
    return ordinal;
  }

  /** Ordinals of events in `stream` whose id hashes like `id` (to be confirmed by reading them). */
  idCandidates(stream: StreamEntry, id: string): number[] {
    return this.ids.candidates(hashEventId(stream.number, id)).filter((o) => this.streamOf[o] === stream.number);
  }

  /** Makes every event below `end` durable (visible). */
  markDurable(end: number): void {
    for (let o = this.durableCount; o < end; o++) this.streams[this.streamOf[o]!]!.durableLength++;
    this.durableCount = end;
  }

  position(ordinal: number): number {
    return this.positions[ordinal]!;
  }

  /** Position of the last durable event, or 0 when there is none. */
  headPosition(): number {
    return this.durableCount === 0 ? 0 : this.positions[this.durableCount - 1]!;
  }

  /** Smallest durable ordinal whose position is > `position` (durableCount when none). */
  firstOrdinalAfter(position: number): number {
    let lo = 0;
    let hi = this.durableCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! > position) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Largest durable ordinal whose position is <= `position` (-1 when none). */
  lastOrdinalAtOrBefore(position: number): number {
    return this.firstOrdinalAfter(position) - 1;
  }

  /** Revision of `ordinal` within `stream` (which must contain it). */
  revisionOf(stream: StreamEntry, ordinal: number): number {
    const ordinals = stream.ordinals;
    let lo = 0;
    let hi = ordinals.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = ordinals[mid]!;
      if (o === ordinal) return mid;
      if (o < ordinal) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private grow(): void {
    const capacity = this.positions.length * 2;
    const positions = new Float64Array(capacity);
    positions.set(this.positions);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    const streamOf = new Uint32Array(capacity);
    streamOf.set(this.streamOf);
    const typeOf = new Uint32Array(capacity);
    typeOf.set(this.typeOf);
    this.positions = positions;
    this.lengths = lengths;
    this.streamOf = streamOf;
    this.typeOf = typeOf;
  }
}
