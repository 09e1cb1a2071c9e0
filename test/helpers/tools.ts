import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Finds real client tools for end-to-end tests: the system's ffmpeg when on PATH,
 * else the binary shipped by the @ffmpeg-installer/ffmpeg npm package. A test that
 * cannot find one skips with a loud reason on a developer's machine; in CI (CI=true)
 * a missing tool is a failure, since CI must run every test.
 */
function works(binary: string): boolean {
  const result = spawnSync(binary, ['-version'], { stdio: 'ignore' });
  return result.status === 0;
}

let cachedFfmpeg: string | null | undefined;

export function ffmpegPath(): string | null {
  if (cachedFfmpeg !== undefined) return cachedFfmpeg;
  if (works('ffmpeg')) return (cachedFfmpeg = 'ffmpeg');
  try {
    const shipped = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    if (works(shipped)) return (cachedFfmpeg = shipped);
  } catch {
    // Not installed: fall through.
  }
  return (cachedFfmpeg = null);
}

/** A reason to skip, or false when the tool is there; throws in CI where skipping is not allowed. */
export function skipUnlessFfmpeg(): string | false {
  if (ffmpegPath()) return false;
  const reason = 'ffmpeg not found on PATH nor in @ffmpeg-installer/ffmpeg: end-to-end streaming NOT TESTED';
  if (process.env.CI) throw new Error(`${reason} (CI must have it)`);
  process.stderr.write(`\n*** SKIPPING: ${reason} ***\n\n`);
  return reason;
}
