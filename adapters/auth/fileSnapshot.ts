import { readFile, stat } from 'node:fs/promises';

/**
 * Reads a small file only when it changed. "Changed" is judged by stat (inode, size,
 * mtime and ctime in nanoseconds), which is reliable where fs.watch is not (network
 * file systems, editors that replace files by rename, changes within one second). A
 * stat per access is a file-system call (and for a missing file an exception) on
 * every request, so a cache may trust what it saw for a while (`recheckMs`): then a
 * busy server stats each file at most once per that time, and an edit counts within it.
 */
export interface FileVersion {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export async function statVersion(path: string): Promise<FileVersion | { missing: string }> {
  try {
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) return { missing: 'EISDIR' };
    return { ino: info.ino, size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
  } catch (error) {
    return { missing: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
}

export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

export type ParsedFile<T> = { kind: 'file'; value: T } | { kind: 'missing'; code: string };

export interface ParsedFileCacheOptions {
  /** Parsed files kept in memory (missing ones included). */
  readonly maxEntries?: number;
  /** Largest file read; a bigger one is treated as unreadable (these files are small). */
  readonly maxBytes?: number;
  /**
   * How long a file's stat is trusted, ms: within that time after a look at the file
   * (missing files included) the cached answer is given without asking the file
   * system, and concurrent lookups share one stat. 0 (the default) stats on every
   * access; the server uses FILE_RECHECK_MS, so an edit counts within about a second.
   */
  readonly recheckMs?: number;
  /** Monotonic clock, ms (tests). */
  readonly now?: () => number;
}

/** How long the server trusts what it saw of qtaccess, qtusers and qtgroups: an edit counts within this. */
export const FILE_RECHECK_MS = 1_000;

interface Entry<T> {
  /** Null for a file that could not be read. */
  readonly version: FileVersion | null;
  readonly result: ParsedFile<T>;
  /** When the stat that gave this answer began (clock of the cache). */
  checkedAt: number;
}

/** Caches a parsed form of files by path, re-reading one when its version changes. */
export class ParsedFileCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly pending = new Map<string, Promise<ParsedFile<T>>>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly recheckMs: number;
  private readonly now: () => number;

  constructor(
    private readonly parse: (text: string, path: string) => T,
    options: ParsedFileCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 1 << 20;
    this.recheckMs = options.recheckMs ?? 0;
    this.now = options.now ?? (() => performance.now());
  }

  /** The parsed file, or the reason it could not be read (ENOENT, EACCES, EISDIR, EFBIG…). */
  get(path: string): Promise<ParsedFile<T>> {
    if (this.recheckMs <= 0) return this.load(path, this.now());
    const now = this.now();
    const cached = this.entries.get(path);
    if (cached && now - cached.checkedAt < this.recheckMs) {
      this.touch(path, cached);
      return Promise.resolve(cached.result);
    }
    let loading = this.pending.get(path);
    if (!loading) {
      loading = this.load(path, now).finally(() => this.pending.delete(path));
      this.pending.set(path, loading);
    }
    return loading;
  }

  clear(): void {
    this.entries.clear();
  }

  private async load(path: string, startedAt: number): Promise<ParsedFile<T>> {
    const version = await statVersion(path);
    if ('missing' in version) return this.remember(path, null, { kind: 'missing', code: version.missing }, startedAt);
    const cached = this.entries.get(path);
    if (cached?.version && sameVersion(cached.version, version)) {
      cached.checkedAt = startedAt;
      this.touch(path, cached);
      return cached.result;
    }
    if (version.size > BigInt(this.maxBytes)) return this.remember(path, null, { kind: 'missing', code: 'EFBIG' }, startedAt);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      return this.remember(path, null, { kind: 'missing', code: (error as NodeJS.ErrnoException).code ?? 'EIO' }, startedAt);
    }
    // Stat again: a write racing the read must not pin an old text to the new version.
    const after = await statVersion(path);
    const result: ParsedFile<T> = { kind: 'file', value: this.parse(text, path) };
    if (!('missing' in after) && sameVersion(after, version)) return this.remember(path, version, result, startedAt);
    this.entries.delete(path);
    return result;
  }

  private remember(path: string, version: FileVersion | null, result: ParsedFile<T>, checkedAt: number): ParsedFile<T> {
    // Missing files are remembered only while their answer may be reused.
    if (version === null && this.recheckMs <= 0) {
      this.entries.delete(path);
      return result;
    }
    this.touch(path, { version, result, checkedAt });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return result;
  }

  /** Most recently used last (the first is dropped when full). */
  private touch(path: string, entry: Entry<T>): void {
    this.entries.delete(path);
    this.entries.set(path, entry);
  }
}
