import { readFile, stat } from 'node:fs/promises';

/**
 * Reads a small file only when it changed. "Changed" is judged on every access by
 * stat (inode, size, mtime and ctime in nanoseconds), which is reliable where
 * fs.watch is not (network file systems, editors that replace files by rename,
 * changes within one second) and costs one stat per access.
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

/** Caches a parsed form of files by path, re-reading one when its version changes. */
export class ParsedFileCache<T> {
  private readonly entries = new Map<string, { version: FileVersion; value: T }>();

  constructor(
    private readonly parse: (text: string, path: string) => T,
    private readonly maxEntries = 1000,
    /** Largest file read; a bigger one is treated as unreadable (these files are small). */
    private readonly maxBytes = 1 << 20,
  ) {}

  /** The parsed file, or the reason it could not be read (ENOENT, EACCES, EISDIR, EFBIG…). */
  async get(path: string): Promise<{ kind: 'file'; value: T } | { kind: 'missing'; code: string }> {
    const version = await statVersion(path);
    if ('missing' in version) {
      this.entries.delete(path);
      return { kind: 'missing', code: version.missing };
    }
    const cached = this.entries.get(path);
    if (cached && sameVersion(cached.version, version)) {
      this.entries.delete(path);
      this.entries.set(path, cached);
      return { kind: 'file', value: cached.value };
    }
    if (version.size > BigInt(this.maxBytes)) return { kind: 'missing', code: 'EFBIG' };
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      this.entries.delete(path);
      return { kind: 'missing', code: (error as NodeJS.ErrnoException).code ?? 'EIO' };
    }
    // Stat again: a write racing the read must not pin an old text to the new version.
    const after = await statVersion(path);
    const value = this.parse(text, path);
    if (!('missing' in after) && sameVersion(after, version)) {
      this.entries.delete(path);
      this.entries.set(path, { version, value });
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return { kind: 'file', value };
  }

  clear(): void {
    this.entries.clear();
  }
}
