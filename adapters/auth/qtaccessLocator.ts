import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { parseQtaccess, type QtaccessFile } from '../../domain/auth/qtaccess.js';
import { ParsedFileCache } from './fileSnapshot.js';

/**
 * Finds the qtaccess file that governs a file in the movies folder, as QTSS did:
 * look in the file's own folder, then each parent, up to and including the movies
 * root and never above it; the first readable `qtaccess` wins. A `qtaccess` that
 * exists but cannot be read (a folder of that name, no permission) is skipped and
 * reported, so the caller can log it. Parsed files are cached and re-read when they
 * change on disk, judged by stat: on every lookup by default (an edit counts at once),
 * or at most once per `recheckMs` per file (an edit, a new or removed qtaccess, counts
 * within that time), which spares a busy server the file-system calls per request.
 */
export interface LocatedQtaccess {
  /** Absolute path of the qtaccess file. */
  readonly path: string;
  /** Its folder: relative AuthUserFile/AuthGroupFile paths resolve against it. */
  readonly dir: string;
  readonly file: QtaccessFile;
}

export interface QtaccessLookup {
  /** The governing qtaccess, or null when none is found up to the root. */
  readonly found: LocatedQtaccess | null;
  /** qtaccess files passed over because they could not be read. */
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
}

export class OutsideMoviesFolderError extends Error {
  constructor(readonly requested: string) {
    super(`${requested} is outside the movies folder`);
    this.name = 'OutsideMoviesFolderError';
  }
}

export interface QtaccessLocatorOptions {
  readonly moviesRoot: string;
  /** Name of the per-folder file (QTSS's `qtaccess`). */
  readonly fileName?: string;
  /** Parsed files kept in memory. */
  readonly cacheSize?: number;
  /** How long what was seen of a qtaccess (or of its absence) is trusted, ms (default 0: stat every lookup). */
  readonly recheckMs?: number;
}

export class QtaccessLocator {
  private readonly fileName: string;
  private readonly cache: ParsedFileCache<QtaccessFile>;
  private rootReal: Promise<string> | null = null;
  /** Real paths of requested folders, trusted for recheckMs (bounded; see realFolderOf). */
  private readonly realFolders = new Map<string, { real: Promise<string>; atMs: number }>();

  constructor(private readonly options: QtaccessLocatorOptions) {
    this.fileName = options.fileName ?? 'qtaccess';
    this.cache = new ParsedFileCache((text) => parseQtaccess(text), { maxEntries: options.cacheSize ?? 1000, ...(options.recheckMs !== undefined && { recheckMs: options.recheckMs }) });
  }

  /**
   * `filePath` is the requested file (absolute, or relative to the movies root); it
   * need not exist (a broadcast ANNOUNCE names a path to create). Throws
   * OutsideMoviesFolderError when it does not lie inside the movies folder.
   */
  async locate(filePath: string): Promise<QtaccessLookup> {
    const root = await this.root();
    const folders = await this.foldersUpToRoot(filePath, root);
    const skipped: Array<{ path: string; reason: string }> = [];
    for (const dir of folders) {
      const candidate = path.join(dir, this.fileName);
      const read = await this.cache.get(candidate);
      if (read.kind === 'file') return { found: { path: candidate, dir, file: read.value }, skipped };
      if (read.code !== 'ENOENT' && read.code !== 'ENOTDIR') skipped.push({ path: candidate, reason: read.code });
    }
    return { found: null, skipped };
  }

  private root(): Promise<string> {
    this.rootReal ??= realpath(this.options.moviesRoot).catch(() => path.resolve(this.options.moviesRoot));
    return this.rootReal;
  }

  /**
   * The requested file's real folder and its parents, innermost first, ending at the root.
   * The folder is resolved through links every time (from a cache trusted for recheckMs):
   * a link inside the movies folder must be judged by the qtaccess where it leads, and a
   * link leading outside must be refused, whichever way the root itself was named.
   */
  private async foldersUpToRoot(filePath: string, root: string): Promise<string[]> {
    let dir = await this.realFolderOf(path.dirname(path.resolve(root, filePath)));
    if (!isInside(dir, root)) throw new OutsideMoviesFolderError(filePath);
    const folders: string[] = [];
    for (;;) {
      folders.push(dir);
      if (dir === root) break;
      const parent = path.dirname(dir);
      if (parent === dir || !isInside(parent, root)) break;
      dir = parent;
    }
    return folders;
  }

  private realFolderOf(dir: string): Promise<string> {
    const recheckMs = this.options.recheckMs ?? 0;
    const now = performance.now();
    const cached = this.realFolders.get(dir);
    if (cached && now - cached.atMs < recheckMs) return cached.real;
    const real = realFolder(dir);
    if (recheckMs > 0) {
      if (this.realFolders.size >= MAX_REAL_FOLDERS) this.realFolders.delete(this.realFolders.keys().next().value as string);
      this.realFolders.set(dir, { real, atMs: now });
    }
    return real;
  }
}

const MAX_REAL_FOLDERS = 1000;

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** Real path of a folder, or of its nearest existing ancestor joined with the rest. */
async function realFolder(dir: string): Promise<string> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return dir;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}
