import { spawn } from 'node:child_process';
import { ffmpegPath } from './tools.js';

/**
 * Decodes an input with ffmpeg and returns each stream's sequence of per-frame MD5s
 * (`-f framemd5`). Timestamps are left out on purpose: a file and its RTP stream use
 * different time bases, while the decoded frames themselves must be identical.
 */
export interface FrameHashes {
  /** Hashes per stream index, in output order. */
  readonly streams: ReadonlyMap<number, readonly string[]>;
  readonly stderr: string;
  readonly code: number | null;
}

/** `outputArgs` go before `-f framemd5`, e.g. `['-c:a', 'copy']` to hash compressed audio frames. */
/** `wrap` runs ffmpeg through another command, e.g. `['ip', 'netns', 'exec', 'ns']`. */
export function frameMd5(inputArgs: string[], timeoutMs = 60_000, outputArgs: string[] = [], wrap: string[] = []): Promise<FrameHashes> {
  const ffmpeg = ffmpegPath();
  if (!ffmpeg) throw new Error('ffmpeg not available');
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...inputArgs, '-map', '0', ...outputArgs, '-f', 'framemd5', '-'];
    const child = spawn(wrap[0] ?? ffmpeg, wrap.length > 0 ? [...wrap.slice(1), ffmpeg, ...args] : args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ffmpeg ${inputArgs.join(' ')} took over ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const streams = new Map<number, string[]>();
      for (const line of stdout.split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const fields = line.split(',').map((f) => f.trim());
        const index = Number(fields[0]);
        const hash = fields[5]!; // side data (`S=…`) may follow the hash
        if (!streams.has(index)) streams.set(index, []);
        streams.get(index)!.push(hash);
      }
      resolve({ streams, stderr, code });
    });
  });
}
