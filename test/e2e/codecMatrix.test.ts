import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RtspTestClient } from '../helpers/rtspTestClient.js';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * Every codec in the containers it fits, made by ffmpeg at test time (2 s each), then
 * streamed over TCP and UDP. Each stream's whole decoded output (`-f md5`) must equal
 * the local decode: bit-exact video, sample-exact audio. Whole-stream hashes rather
 * than per-frame ones, because audio packet boundaries differ between a file and RTP.
 */
interface Case {
  readonly name: string;
  readonly file: string;
  readonly make: string[];
  readonly video: boolean;
  readonly audio: boolean;
  readonly needs?: string;
  /**
   * Compare the compressed audio frames instead of the decode: Opus pre-skip and MP3
   * encoder delay live in the container (the Opus box, the LAME tag), which RTP does
   * not carry, so a decoder fed over RTP rightly keeps samples a local decode trims.
   */
  readonly audioAsFrames?: boolean;
}

const lavfiVideo = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2'];
const lavfiAudio = (rate: number, layout: string) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=2,aformat=channel_layouts=${layout}`];
const av = (rate = 44100, layout = 'stereo') => [...lavfiVideo, ...lavfiAudio(rate, layout)];

const cases: Case[] = [
  { name: 'H.264 + AAC in MOV', file: 'h264-aac.mov', make: [...av(), '-c:v', 'libx264', '-bf', '2', '-c:a', 'aac', '-use_editlist', '0'], video: true, audio: true, needs: 'libx264' },
  { name: 'H.264 + AAC in 3GP', file: 'h264-aac.3gp', make: [...av(), '-c:v', 'libx264', '-profile:v', 'baseline', '-c:a', 'aac', '-ar', '16000', '-ac', '1', '-use_editlist', '0'], video: true, audio: true, needs: 'libx264' },
  // ffmpeg's hinter leaves the last AAC samples unhinted, so only its video is compared whole here
  // (test/domain/media/hintTrack.test.ts checks every hinted payload byte for byte).
  { name: 'H.264 + AAC in MP4 hinted by ffmpeg', file: 'hinted.mp4', make: [...av(), '-c:v', 'libx264', '-c:a', 'aac', '-movflags', '+rtphint'], video: true, audio: false, needs: 'libx264' },
  { name: 'H.264 in M4V', file: 'h264.m4v', make: [...lavfiVideo, '-c:v', 'libx264', '-f', 'mp4'], video: true, audio: false, needs: 'libx264' },
  { name: 'AAC in M4A', file: 'aac.m4a', make: [...lavfiAudio(48000, 'stereo'), '-c:a', 'aac', '-use_editlist', '0', '-f', 'mp4'], video: false, audio: true },
  { name: 'H.265 in MP4', file: 'hevc.mp4', make: [...lavfiVideo, '-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'], video: true, audio: false, needs: 'libx265' },
  { name: 'MPEG-4 Visual in MP4', file: 'mp4v.mp4', make: [...lavfiVideo, '-c:v', 'mpeg4', '-bf', '0'], video: true, audio: false },
  { name: 'Motion JPEG in MOV', file: 'mjpeg.mov', make: [...lavfiVideo, '-c:v', 'mjpeg', '-huffman', 'default', '-pix_fmt', 'yuvj420p'], video: true, audio: false },
  { name: 'Opus in MP4', file: 'opus.mp4', make: [...lavfiAudio(48000, 'stereo'), '-c:a', 'libopus'], video: false, audio: true, needs: 'libopus', audioAsFrames: true },
  { name: 'MP3 in MP4', file: 'mp3.mp4', make: [...lavfiAudio(44100, 'stereo'), '-c:a', 'libmp3lame'], video: false, audio: true, needs: 'libmp3lame', audioAsFrames: true },
  { name: 'MP3 file', file: 'sound.mp3', make: [...lavfiAudio(44100, 'stereo'), '-c:a', 'libmp3lame'], video: false, audio: true, needs: 'libmp3lame', audioAsFrames: true },
  { name: 'G.711 µ-law in WAV', file: 'ulaw.wav', make: [...lavfiAudio(8000, 'mono'), '-c:a', 'pcm_mulaw'], video: false, audio: true },
  { name: 'G.711 A-law in MOV', file: 'alaw.mov', make: [...lavfiAudio(8000, 'mono'), '-c:a', 'pcm_alaw'], video: false, audio: true },
  { name: 'G.711 µ-law in AU', file: 'ulaw.au', make: [...lavfiAudio(8000, 'mono'), '-c:a', 'pcm_mulaw'], video: false, audio: true },
  { name: 'L16 in WAV', file: 'pcm.wav', make: [...lavfiAudio(44100, 'stereo'), '-c:a', 'pcm_s16le'], video: false, audio: true },
  { name: 'L16 in AIFF', file: 'pcm.aiff', make: [...lavfiAudio(44100, 'stereo'), '-c:a', 'pcm_s16be'], video: false, audio: true },
  // AC-3 has no packetizer: its track is left out and the video still streams.
  { name: 'H.264 + AC-3 in MOV (video only streams)', file: 'h264-ac3.mov', make: [...av(48000), '-c:v', 'libx264', '-c:a', 'ac3'], video: true, audio: false, needs: 'libx264' },
  { name: 'L16 in MOV', file: 'pcm.mov', make: [...lavfiAudio(44100, 'stereo'), '-c:a', 'pcm_s16be'], video: false, audio: true },
];

function run(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath()!, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * MD5 of one stream's whole output: decoded frames as they come (`-vsync 0`: no frame
 * dropped or repeated to fit a frame rate), or the compressed frames themselves.
 */
async function streamMd5(input: string[], stream: 'v' | 'a', compressed = false): Promise<string> {
  const output = compressed ? ['-c', 'copy'] : stream === 'v' ? ['-vsync', '0'] : [];
  const result = await run([...input, '-map', `0:${stream}`, ...output, '-f', 'md5', '-']);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

const skip = skipUnlessFfmpeg();
const encoders = skip ? '' : spawnSync(ffmpegPath()!, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout;

describe('codec and container matrix', { skip }, () => {
  let dir: string;
  let server: ServerProcess;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-matrix-'));
    const movies = path.join(dir, 'movies');
    await run(['-version']);
    await import('node:fs/promises').then((fs) => fs.mkdir(movies));
    await Promise.all(
      cases.filter((c) => !c.needs || encoders.includes(c.needs)).map(async (c) => {
        const made = await run([...c.make, '-shortest', '-y', path.join(movies, c.file)]);
        assert.equal(made.code, 0, `${c.name}: ${made.stderr}`);
      }),
    );
    const ac3 = await run([...lavfiAudio(48000, 'stereo'), '-c:a', 'ac3', '-y', path.join(movies, 'ac3-only.mov')]);
    assert.equal(ac3.code, 0, ac3.stderr);
    server = await startServerProcess({ dir, moviesFolder: movies });
  });

  after(async () => {
    await server?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 415 naming the codec when no track can be streamed, and leaves an unstreamable track out', async () => {
    const client = await RtspTestClient.connect(server.port);
    const refused = await client.request('DESCRIBE', server.url('ac3-only.mov'));
    assert.equal(refused.status, 415);
    assert.match(refused.body.toString(), /ac-?3/i, 'the refusal names the codec');
    const mixed = await client.request('DESCRIBE', server.url('h264-ac3.mov'));
    assert.equal(mixed.status, 200);
    assert.match(mixed.body.toString(), /m=video/);
    assert.doesNotMatch(mixed.body.toString(), /m=audio/);
    const hinted = await client.request('DESCRIBE', server.url('hinted.mp4'));
    assert.deepEqual([...hinted.body.toString().matchAll(/a=control:(trackID=\d+)/g)].map((m) => m[1]), ['trackID=3', 'trackID=4'], 'served from its hint tracks');
    client.close();
    assert.match(server.output(), /ac3|AC-3/i);
  });

  for (const c of cases) {
    const missing = !skip && c.needs && !encoders.includes(c.needs) ? `this ffmpeg has no ${c.needs}` : false;
    if (missing) process.stderr.write(`\n*** SKIPPING ${c.name}: ${missing} ***\n`);
    it(`${c.name} streams exactly over TCP and UDP`, { skip: missing }, async () => {
      const local = path.join(server.moviesFolder, c.file);
      for (const transport of ['tcp', 'udp']) {
        const remote = ['-rtsp_transport', transport, ...(transport === 'udp' ? ['-buffer_size', '4000000'] : []), '-i', server.url(c.file)];
        for (const stream of [...(c.video ? (['v'] as const) : []), ...(c.audio ? (['a'] as const) : [])]) {
          const compressed = stream === 'a' && c.audioAsFrames === true;
          const [want, got] = await Promise.all([streamMd5(['-i', local], stream, compressed), streamMd5(remote, stream, compressed)]);
          assert.equal(got, want, `${c.name} ${stream === 'v' ? 'video' : 'audio'} over ${transport}`);
        }
      }
    });
  }
});
