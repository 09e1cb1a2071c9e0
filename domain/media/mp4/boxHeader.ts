/**
 * ISO BMFF / QuickTime box headers: 32-bit size + four-character type, with the
 * 64-bit `largesize` escape (size == 1), "to the end of the parent" (size == 0) and
 * the 16-byte extended type of 'uuid' boxes.
 */
import { MovieFormatError } from '../movie.js';

export interface BoxHeader {
  /** Four-character code, decoded as latin1 so QuickTime's '©nam' style types survive. */
  readonly type: string;
  /** Absolute offset of the box (in the file, or in whatever buffer the caller scans). */
  readonly offset: number;
  /** Bytes taken by size, type, largesize and the uuid extended type. */
  readonly headerSize: number;
  /** Total size of the box including its header. */
  readonly size: number;
  /** Hex of the 'uuid' extended type, when the caller supplied enough bytes to read it. */
  readonly extendedType?: string;
}

/**
 * Reads the box header at the start of `bytes`, which were read at `fileOffset`;
 * `remaining` is how many bytes the parent (or the file) has from `fileOffset` on.
 * 16 bytes are enough for every header except a uuid's extended type (32 bytes).
 * Throws MovieFormatError when the header is short, smaller than itself, or runs
 * past the parent.
 */
export function parseBoxHeader(bytes: Buffer, fileOffset: number, remaining: number): BoxHeader {
  const at = `box header at offset ${fileOffset}`;
  const name = printable(bytes.toString('latin1', 4, Math.min(8, bytes.length)));
  if (remaining < 8 || bytes.length < 8) {
    throw new MovieFormatError(`${at}: only ${Math.min(remaining, bytes.length)} bytes left, a header needs 8`, 'box');
  }
  const type = bytes.toString('latin1', 4, 8);
  let size = bytes.readUInt32BE(0);
  let headerSize = 8;
  if (size === 1) {
    if (remaining < 16 || bytes.length < 16) {
      throw new MovieFormatError(`${at}: '${name}' has a 64-bit size but the header is truncated`, name);
    }
    const large = bytes.readBigUInt64BE(8);
    // Anything past 2^53 cannot be a real file offset and would lose precision as a number.
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new MovieFormatError(`${at}: '${name}' size ${large} is not plausible`, name);
    }
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = remaining;
  }
  let extendedType: string | undefined;
  if (type === 'uuid') {
    if (bytes.length >= headerSize + 16) extendedType = bytes.toString('hex', headerSize, headerSize + 16);
    headerSize += 16;
  }
  if (size < headerSize) {
    throw new MovieFormatError(`${at}: '${name}' size ${size} is smaller than its ${headerSize}-byte header`, name);
  }
  if (size > remaining) {
    throw new MovieFormatError(`${at}: '${name}' size ${size} runs past its parent (${remaining} bytes left)`, name);
  }
  return extendedType === undefined
    ? { type, offset: fileOffset, headerSize, size }
    : { type, offset: fileOffset, headerSize, size, extendedType };
}

/**
 * A box type fit for error messages and paths: corrupt files put arbitrary bytes in
 * types, and those end up in logs and events. Printable ASCII and '©' are kept.
 */
export function printable(type: string): string {
  return type.replace(/[^\x20-\x7e\xa9]/g, '.');
}
