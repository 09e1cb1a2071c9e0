/**
 * A small cache of encoded records (header + payload bytes) by ordinal, bounded in bytes, evicting
 * the oldest insertion first. It holds what was just committed (what live subscriptions read next)
 * and what small reads fetched recently. Callers decode a fresh object from the bytes on every hit,
 * so no caller can mutate what another one sees.
 *
 * Eviction pops a FIFO of keys rather than iterating the Map: V8 leaves deleted Map entries as holes
 * until it rehashes, and walking them on every eviction made big commits quadratic.
 */
export class RecordCache {
  private readonly entries = new Map<number, Buffer>();
  private order: number[] = [];
  private head = 0;
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(ordinal: number): Buffer | undefined {
    const record = this.entries.get(ordinal);
    if (record === undefined) this.misses++;
    else this.hits++;
    return record;
  }

  set(ordinal: number, record: Buffer): void {
    if (record.length > this.maxBytes / 16 || this.entries.has(ordinal)) return;
    this.entries.set(ordinal, record);
    this.order.push(ordinal);
    this.bytes += record.length;
    while (this.bytes > this.maxBytes && this.head < this.order.length) {
      const oldest = this.order[this.head++]!;
      const evicted = this.entries.get(oldest);
      if (evicted !== undefined) {
        this.entries.delete(oldest);
        this.bytes -= evicted.length;
      }
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.entries.clear();
    this.order = [];
    this.head = 0;
    this.bytes = 0;
  }
}
