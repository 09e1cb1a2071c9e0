import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ffmpegPath } from '../../helpers/tools.js';
import { track } from './processes.js';

/**
 * The bench's movie, made at run time: the shipped sample is 10 s at 250 kbit/s, too
 * short and too light for fan-out. This is 60 s of 1.5 Mbit/s H.264 (testsrc2,
 * 640x360, 25 fps, 2 s GOP) and 128 kbit/s AAC, faststart, no edit list: about 200
 * RTP packets a second per session with 1400-byte payloads.
 */
export interface BenchMovie {
  readonly folder: string;
  readonly file: string;
  /** Path part of the URL. */
  readonly name: string;
  readonly durationSeconds: number;
  readonly videoKbps: number;
  readonly bytes: number;
  readonly ffmpeg: string;
}

export async function makeBenchMovie(folder: string, durationSeconds = 60): Promise<BenchMovie | null> {
  const ffmpeg = ffmpegPath();
  if (ffmpeg === null) return null;
  await mkdir(folder, { recursive: true });
  const name = 'bench.mp4';
  const file = path.join(folder, name);
  const videoKbps = 1500;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=640x360:rate=25:duration=${durationSeconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${durationSeconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-b:v',
    `${videoKbps}k`,
    '-maxrate',
    `${videoKbps}k`,
    '-bufsize',
    `${videoKbps * 2}k`,
    '-g',
    '50',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-use_editlist',
    '0',
    '-movflags',
    '+faststart',
    file,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = track(spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let errors = '';
    child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed making the bench movie (${code}): ${errors}`))));
  });
  return { folder, file, name, durationSeconds, videoKbps, bytes: (await stat(file)).size, ffmpeg };
}
