/**
 * Copies of small byte strings kept for a long time (payload headers in the shared
 * packet caches), packed into slabs of their own.
 *
 * A small Buffer from Buffer.alloc/from is a slice of Node's shared 8 KB pool, and one
 * live slice keeps its whole slab alive. The media plane allocates per-packet RTP
 * headers from the same pool, so every cached two-byte payload header pinned a slab
 * full of dead headers: 27 MB with 400 sessions of one movie. Slabs here hold only
 * cached bytes, filled in the cache's order, so they are freed as it evicts.
 */
const SLAB_BYTES = 16 * 1024;

export class SmallBytesArena {
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  copy(bytes: Buffer): Buffer {
    if (this.used + bytes.length > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const copy = this.slab.subarray(this.used, this.used + bytes.length);
    copy.set(bytes);
    this.used += bytes.length;
    return copy;
  }

  /** `chunks` fit to keep: the same array when none is a pool slice, else one with those copied here. */
  keep(chunks: readonly Buffer[]): readonly Buffer[] {
    return chunks.some(isPooledChunk) ? chunks.map((chunk) => (isPooledChunk(chunk) ? this.copy(chunk) : chunk)) : chunks;
  }
}

/**
 * True for a Buffer that is (very likely) a slice of Node's shared allocation pool:
 * pooled slices are under half the pool's size. A chunk of a buffer that merely has the
 * pool's size is copied too, which is harmless.
 */
export function isPooledChunk(chunk: Buffer): boolean {
  return chunk.buffer.byteLength === Buffer.poolSize && chunk.length < Buffer.poolSize >>> 1;
}
