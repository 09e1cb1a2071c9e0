/**
 * An ordered list of message headers with case-insensitive lookup. RTSP header names
 * are case-insensitive, yet clients are picky about the case we send, so the names
 * we write keep the case they were set with.
 */
export class HeaderList {
  private readonly entries: Array<[string, string]> = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** First value of the header, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [n, v] of this.entries) if (n.toLowerCase() === lower) return v;
    return undefined;
  }

  /** Every value of the header, in order (a header may be repeated). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.entries.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every value of the header with one. */
  set(name: string, value: string): this {
    this.delete(name);
    this.entries.push([name, value]);
    return this;
  }

  append(name: string, value: string): this {
    this.entries.push([name, value]);
    return this;
  }

  delete(name: string): void {
    const lower = name.toLowerCase();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i]![0].toLowerCase() === lower) this.entries.splice(i, 1);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries[Symbol.iterator]();
  }
}
