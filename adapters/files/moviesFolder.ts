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

  private async realRoot(): Promise<string> {
    this.rootReal ??= await realpath(this.root);
    return this.rootReal;
  }
}
