/**
 * Compact idempotency index: event (stream, id) → ordinal in the global log, without keeping the id
 * strings in memory. An open-addressing table of 32-bit hashes of (stream number, id) and ordinals;
 * a lookup yields candidate ordinals whose hash matches, which the caller confirms by reading the
 * stored record (a hash collision is rare, so almost every new id is settled without any I/O).
 * Costs about 8-16 bytes per event.
 */

export function hashEventId(streamNumber: number, id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= Math.imul(streamNumber + 1, 0x9e3779b1);
  // MurmurHash3 finalizer, so that linear probing sees well-spread keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class IdTable {
  private keys: Int32Array;
  /** ordinal + 1; 0 marks an empty slot. */
  private values: Uint32Array;
  private mask: number;
  private size = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.keys = new Int32Array(capacity);
    this.values = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  get entries(): number {
    return this.size;
  }

  insert(hash: number, ordinal: number): void {
    if ((this.size + 1) * 10 > this.values.length * 7) this.grow();
    this.place(hash, ordinal + 1);
    this.size++;
  }

  /** Ordinals stored under this hash (possibly none, possibly a collision). */
  candidates(hash: number): number[] {
    const out: number[] = [];
    const { keys, values, mask } = this;
    let i = hash & mask;
    for (;;) {
      const value = values[i]!;
      if (value === 0) return out;
      if (keys[i] === hash) out.push(value - 1);
      i = (i + 1) & mask;
    }
  }

  private place(hash: number, value: number): void {
    const { keys, values, mask } = this;
    let i = hash & mask;
    while (values[i] !== 0) i = (i + 1) & mask;
    keys[i] = hash;
    values[i] = value;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldValues.length * 2;
    this.keys = new Int32Array(capacity);
    this.values = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < oldValues.length; i++) {
      const value = oldValues[i]!;
      if (value !== 0) this.place(oldKeys[i]!, value);
    }
  }
}
