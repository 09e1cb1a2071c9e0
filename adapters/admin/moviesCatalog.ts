import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The movies an operator can point viewers at (QTSS's "web page" helper): files the
 * server streams, found under the movies folder. Hidden files and qtaccess are not
 * listed; the walk is bounded.
 */
export interface MovieFile {
  /** Path inside the movies folder, with '/' separators. */
  readonly path: string;
  readonly bytes: number;
  readonly live: boolean;
}

const STREAMABLE = new Set(['.mp4', '.mov', '.m4v', '.m4a', '.3gp', '.3g2', '.mp3', '.sdp']);
const MAX_FILES = 2000;
const MAX_DEPTH = 6;

export async function listMovies(moviesFolder: string): Promise<MovieFile[]> {
  const found: MovieFile[] = [];
  async function walk(dir: string, prefix: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (found.length >= MAX_FILES || entry.name.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel, depth + 1);
      else if (entry.isFile() && STREAMABLE.has(path.extname(entry.name).toLowerCase())) {
        const info = await stat(path.join(dir, entry.name)).catch(() => null);
        if (info) found.push({ path: rel, bytes: info.size, live: entry.name.toLowerCase().endsWith('.sdp') });
      }
    }
  }
  await walk(moviesFolder, '', 0);
  return found;
}

/** The text of a QuickTime reference movie: the player opens the URL it names. */
export function referenceMovieText(rtspUrl: string): string {
  return `RTSPtext\n${rtspUrl}`;
}

/** Percent-encodes each segment of a movie path for a URL. */
export function moviePathForUrl(moviePath: string): string {
  return moviePath.split('/').map(encodeURIComponent).join('/');
}
