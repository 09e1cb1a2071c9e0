import { DATA_FILE_WINDOW, windowOf } from '../../domain/media/movieDataSpace.js';
import { BlockCachedFile } from './blockCachedFile.js';

/**
 * Reads the sample bytes of one movie: from the movie file, and for a reference movie
 * from the data files beside it, each attached at its window of the movie's data space
 * (domain/media/movieDataSpace.ts). Sessions ask by position, as sample offsets say,
 * and never need to know which file holds a sample. Every file keeps its own block
 * cache, shared by every session playing the movie.
 */
const NOTHING = Buffer.alloc(0);

export class MovieFileReader {
  /** Index = window; 0 is the movie file. */
  private readonly files: Array<BlockCachedFile | undefined>;
  private users = 0;

  private constructor(private readonly movieFile: BlockCachedFile) {
    this.files = [movieFile];
  }

  static async open(path: string, maxCachedBytes?: number): Promise<MovieFileReader> {
    return new MovieFileReader(await BlockCachedFile.open(path, maxCachedBytes));
  }

  get path(): string {
    return this.movieFile.path;
  }

  /** The movie file's size (its data files have their own). */
  get size(): number {
    return this.movieFile.size;
  }

  /** Reads a byte range of the movie file directly (for box headers and the moov at open time). */
  read(offset: number, length: number): Promise<Buffer> {
    return this.movieFile.read(offset, length);
  }

  /** Makes `file` answer for the positions of window `window` (1 and up). */
  attach(window: number, file: BlockCachedFile): void {
    if (window < 1) throw new RangeError(`window ${window} is the movie file's`);
    this.files[window] = file;
  }

  /**
   * The bytes if every block they span is cached, else null (and loading starts). A
   * window with no file attached reads as nothing: the movie is refused before any
   * sample there could be streamed, so this only stops a bug from waiting forever.
   */
  bytesAt(position: number, length: number): Buffer | null {
    // Most movies are self-contained: window 0 goes straight to the movie file.
    if (position < DATA_FILE_WINDOW) return this.movieFile.bytesAt(position, length);
    const window = windowOf(position);
    const file = this.files[window];
    return file === undefined ? NOTHING : file.bytesAt(position - window * DATA_FILE_WINDOW, length);
  }

  /** Starts loading the blocks covering the range, if not cached or loading. */
  prefetch(position: number, length: number): void {
    if (position < DATA_FILE_WINDOW) return this.movieFile.prefetch(position, length);
    const window = windowOf(position);
    this.files[window]?.prefetch(position - window * DATA_FILE_WINDOW, length);
  }

  retain(): void {
    this.users++;
  }

  /** Closes the files once no session uses them and the cache entry was replaced. */
  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0 && this.replaced) void this.close();
  }

  private replaced = false;

  /**
   * The library opened a newer version of the movie: close now if nobody plays this one,
   * else when the last session releases it (handles of replaced movies must not leak).
   */
  retire(): void {
    this.replaced = true;
    if (this.users === 0) void this.close();
  }

  get inUse(): boolean {
    return this.users > 0;
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((file) => file?.close()));
  }
}
