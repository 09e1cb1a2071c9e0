/**
 * A bounds-checked cursor over a box body: every read that would leave the box
 * throws MovieFormatError naming the box, instead of a RangeError from Buffer.
 */
import { MovieFormatError } from '../movie.js';
import type { Box } from './box.js';

export class BoxReader {
  pos: number;

  constructor(
    readonly box: Box,
    from: number = box.bodyStart,
  ) {
    this.pos = from;
  }

  get remaining(): number {
    return this.box.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what = 'field'): void {
    if (n > this.remaining) {
      throw new MovieFormatError(
        `${this.box.path}: truncated, ${what} needs ${n} bytes but ${this.remaining} are left`,
        this.box.path,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.box.buf.readUInt8(this.pos++);
  }

  u16(): number {
    this.need(2);
    const v = this.box.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.box.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.box.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.box.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 64-bit unsigned as a number; values past 2^53 lose precision but stay ordered. */
  u64(): number {
    this.need(8);
    const v = Number(this.box.buf.readBigUInt64BE(this.pos));
    this.pos += 8;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.box.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  fourcc(): string {
    this.need(4);
    const v = this.box.buf.toString('latin1', this.pos, this.pos + 4);
    this.pos += 4;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.box.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Reads a FullBox version/flags header. */
  fullBox(): { version: number; flags: number } {
    const version = this.u8();
    const flags = this.u24();
    return { version, flags };
  }

  /**
   * Reads a table entry count and checks `count * entrySize` fits in the rest of the
   * box, so callers can allocate `count` entries without trusting a corrupt count.
   */
  entryCount(entrySize: number, what = 'entry count'): number {
    const count = this.u32();
    if (count * entrySize > this.remaining) {
      throw new MovieFormatError(
        `${this.box.path}: ${what} ${count} needs ${count * entrySize} bytes but the box has ${this.remaining}`,
        this.box.path,
      );
    }
    return count;
  }

  fail(message: string): never {
    throw new MovieFormatError(`${this.box.path}: ${message}`, this.box.path);
  }
}
