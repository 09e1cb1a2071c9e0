import { open, type FileHandle } from 'node:fs/promises';

/**
 * One file (a movie, or a data file a reference movie reads) behind a block cache
 * shared by every session playing it, so a thousand viewers of one movie cost one
 * disk read per block. Reads are asynchronous and block-sized; a session asks with
 * `bytesAt` (synchronous, null while not loaded) and `prefetch` (starts loading), so
 * the packet path never waits on the disk.
 */
const BLOCK_SIZE = 128 * 1024;

export class BlockCachedFile {
  private readonly blocks = new Map<number, Buffer>();
  private readonly loading = new Set<number>();
  private closed = false;
  /** Last read error, reported to sessions so they can end instead of waiting forever. */
  failure: Error | null = null;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
    /** When the file was last changed, as opened (a later change means reopening it). */
    readonly mtimeMs: number,
    private readonly maxCachedBlocks: number,
  ) {}

  static async open(path: string, maxCachedBytes = 32 * 1024 * 1024): Promise<BlockCachedFile> {
    const handle = await open(path, 'r');
    try {
      const { size, mtimeMs } = await handle.stat();
      return new BlockCachedFile(handle, path, size, mtimeMs, Math.max(4, Math.floor(maxCachedBytes / BLOCK_SIZE)));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads a byte range directly (for box headers and the moov at open time). */
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
    return bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }

  /** The bytes if every block they span is cached, else null (and the missing blocks start loading). */
  bytesAt(offset: number, length: number): Buffer | null {
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / BLOCK_SIZE);
    if (first === last) {
      const block = this.touch(first);
      if (!block) return null;
      const start = offset - first * BLOCK_SIZE;
      return block.subarray(start, start + length);
    }
    const parts: Buffer[] = [];
    let missing = false;
    for (let b = first; b <= last; b++) {
      const block = this.touch(b);
      if (!block) missing = true;
      else if (!missing) parts.push(block);
    }
    if (missing) return null;
    // A sample spanning blocks is copied once; most samples sit inside one block.
    const joined = Buffer.concat(parts);
    const start = offset - first * BLOCK_SIZE;
    return joined.subarray(start, start + length);
  }

  /** Starts loading the blocks covering the range, if not cached or loading. */
  prefetch(offset: number, length: number): void {
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / BLOCK_SIZE);
    for (let b = first; b <= last; b++) this.touch(b);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocks.clear();
    await this.handle.close();
  }

  private touch(index: number): Buffer | null {
    const block = this.blocks.get(index);
    if (block) {
      // Map order is insertion order: re-insert to mark as recently used.
      this.blocks.delete(index);
      this.blocks.set(index, block);
      return block;
    }
    if (!this.loading.has(index) && !this.closed && index * BLOCK_SIZE < this.size) void this.load(index);
    return null;
  }

  private async load(index: number): Promise<void> {
    this.loading.add(index);
    try {
      const offset = index * BLOCK_SIZE;
      const block = await this.read(offset, Math.min(BLOCK_SIZE, this.size - offset));
      if (this.closed) return;
      this.blocks.set(index, block);
      while (this.blocks.size > this.maxCachedBlocks) {
        const oldest = this.blocks.keys().next().value as number;
        this.blocks.delete(oldest);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.loading.delete(index);
    }
  }
}
