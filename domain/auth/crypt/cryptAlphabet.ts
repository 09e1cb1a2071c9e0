/**
 * The 64-character alphabet every crypt(3) format shares for salts and hashes:
 * `./0-9A-Za-z`, where `.` is 0. It is not RFC 4648 base64, and the formats disagree
 * on bit order, so each format does its own grouping with `encode24`.
 */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Value 0–63 of a crypt alphabet character, or -1. */
export function cryptCharValue(char: string): number {
  return char.length === 1 ? CRYPT_ALPHABET.indexOf(char) : -1;
}

export function isCryptAlphabet(text: string): boolean {
  for (const char of text) if (cryptCharValue(char) < 0) return false;
  return true;
}

/**
 * Writes `count` characters from a 24-bit group, least significant six bits first
 * (the order of MD5-crypt and SHA-crypt).
 */
export function encode24(b2: number, b1: number, b0: number, count: number): string {
  let word = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < count; i++) {
    out += CRYPT_ALPHABET[word & 0x3f];
    word >>>= 6;
  }
  return out;
}

/** Turns random bytes into a salt of crypt alphabet characters, one byte per character (low 6 bits). */
export function saltFromBytes(bytes: Uint8Array, length: number): string {
  if (bytes.length < length) throw new RangeError(`need ${length} random bytes for the salt, got ${bytes.length}`);
  let out = '';
  for (let i = 0; i < length; i++) out += CRYPT_ALPHABET[bytes[i]! & 0x3f];
  return out;
}
