/**
 * Decodes a base64 stream that arrives in chunks not aligned to 4-character quanta
 * (QuickTime's tunnelled POST body): whole quanta are decoded, the rest is kept for
 * the next chunk. Line breaks and spaces are skipped; any other non-base64 byte makes
 * the stream invalid.
 */
const BASE64 = /^[A-Za-z0-9+/=]*$/;

export class Base64StreamDecoder {
  private pending = '';
  private invalid = false;

  /** Decoded bytes of every complete quantum so far; null once the stream is invalid. */
  push(chunk: Buffer): Buffer | null {
    if (this.invalid) return null;
    const text = this.pending + chunk.toString('latin1').replace(/[\r\n\t ]/g, '');
    if (!BASE64.test(text)) {
      this.invalid = true;
      return null;
    }
    const whole = text.length - (text.length % 4);
    this.pending = text.slice(whole);
    return Buffer.from(text.slice(0, whole), 'base64');
  }

  /** Characters held back waiting for the rest of their quantum. */
  get buffered(): number {
    return this.pending.length;
  }
}
