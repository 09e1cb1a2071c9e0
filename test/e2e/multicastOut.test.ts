import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { LIVE_HASH_ARGS, assertFramesFromSource } from '../helpers/liveFrames.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { sleep } from '../helpers/rtspTestClient.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * Multicast out, in a network namespace this test makes: its loopback has multicast
 * on and a route for 224.0.0.0/4, so nothing leaves the machine. The server, the
 * broadcaster and the multicast readers all run inside it.
 */
const namespace = `streamhouse-mc-${process.pid}`;
const inNamespace = ['ip', 'netns', 'exec', namespace];
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

function namespaceSkip(): string | false {
  const ffmpeg = skipUnlessFfmpeg();
  if (ffmpeg) return ffmpeg;
  const ok = process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0;
  if (ok) return false;
  const reason = 'multicast test needs root and iproute2 (ip netns): NOT TESTED';
  if (process.env.CI) throw new Error(`${reason} (CI must have them)`);
  process.stderr.write(`\n*** SKIPPING: ${reason} ***\n\n`);
  return reason;
}

const skip = namespaceSkip();

function ip(args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `ip ${args.join(' ')}: ${result.stderr}`);
}

describe('multicast out', { skip }, () => {
  let server: ServerProcess;
  let publisher: ChildProcess | null = null;
  let source: FrameHashes;

  before(async () => {
    ip(['netns', 'add', namespace]);
    ip(['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up', 'multicast', 'on']);
    ip(['netns', 'exec', namespace, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo']);
    server = await startServerProcess({ wrap: inNamespace });
    source = await frameMd5(['-i', sampleFile], 60_000, LIVE_HASH_ARGS);
  });

  after(async () => {
    publisher?.kill('SIGKILL');
    await server?.cleanup();
    spawnSync('ip', ['netns', 'del', namespace]);
  });

  it('offers a live path as one multicast group that several readers decode', async () => {
    publisher = spawn(
      'ip',
      [...inNamespace.slice(1), ffmpegPath()!, '-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', sampleFile, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', server.url('mc.sdp')],
      { stdio: 'ignore' },
    );
    await sleep(2500);
    const readers = await Promise.all(
      [0, 1, 2].map(() => frameMd5(['-rtsp_transport', 'udp_multicast', '-i', server.url('mc.sdp'), '-t', '4'], 40_000, LIVE_HASH_ARGS, inNamespace)),
    );
    readers.forEach((remote, i) => {
      assert.equal(remote.code, 0, `reader ${i}: ${remote.stderr}`);
      assertFramesFromSource(remote, source, `multicast reader ${i}`);
    });
  });
});
