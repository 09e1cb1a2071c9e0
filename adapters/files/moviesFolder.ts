import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { RtspError } from '../../actors/rtspSession/sessionMedia.js';

/**
 * Maps request paths to files in the movies folder. Segments arrive already decoded
 * and stripped of `..` (domain/rtsp/requestTarget); here links are resolved and the
 * real path must still lie inside the folder, so a link cannot lead outside it.
 */
export class MoviesFolder {
  private rootReal: string | null = null;

  constructor(readonly root: string) {}

  async resolve(segments: readonly string[]): Promise<{ file: string; size: number; mtimeMs: number }> {
    if (segments.length === 0) throw new RtspError(404, 'no movie named');
    // Access files are configuration, never content, in any letter case.
    if (segments.some((s) => s.toLowerCase() === 'qtaccess')) throw new RtspError(403, 'access files are not served');
    const root = await this.realRoot();
    const candidate = path.join(root, ...segments);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      throw new RtspError(404, `${segments.join('/')} not found`);
    }
    if (real !== root && !real.startsWith(root + path.sep)) {
      throw new RtspError(403, `${segments.join('/')} leads outside the movies folder`);
    }
    const info = await stat(real);
    if (!info.isFile()) throw new RtspError(404, `${segments.join('/')} is not a movie file`);
    return { file: real, size: info.size, mtimeMs: info.mtimeMs };
  }

  /**
   * A data file a reference movie reads, by its bare name, in the folder of the movie
   * (`movieFile` as `resolve` returned it: a real path inside the root). The same
   * checks as for a requested movie apply: links are followed only while they stay
   * inside the movies folder, and access files are never content.
   */
  async resolveBeside(movieFile: string, fileName: string): Promise<{ file: string; size: number; mtimeMs: number }> {
    if (fileName === '' || fileName === '.' || fileName === '..' || path.basename(fileName) !== fileName || fileName.includes('\\')) {
      throw new RtspError(403, `'${fileName}' is not a file name beside the movie`);
    }
    const root = await this.realRoot();
    const folder = path.relative(root, path.dirname(movieFile));
    if (folder.startsWith('..') || path.isAbsolute(folder)) throw new RtspError(403, `${movieFile} is outside the movies folder`);
    return this.resolve([...folder.split(path.sep).filter((s) => s !== ''), fileName]);
  }

  private async realRoot(): Promise<string> {
    this.rootReal ??= await realpath(this.root);
    return this.rootReal;
  }
}
