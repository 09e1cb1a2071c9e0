import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, copyFile, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { LIVE_HASH_ARGS, assertFramesFromSource } from '../helpers/liveFrames.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/** Issue 5's proofs: ANNOUNCE/RECORD and SDP-file sources fanned out to many readers. */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');
const children = new Set<ChildProcess>();

function spawnFfmpeg(args: string[]): ChildProcess {
  const child = spawn(ffmpegPath()!, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/**
 * A reader's options. UDP readers get a 4 MB receive buffer, as a real player sets
 * one: twenty decoders on two cores can fall behind a 2 s key-frame burst otherwise,
 * and the loss would be the reader's, not the server's.
 */
function readerOptions(transport: string): string[] {
  return ['-rtsp_transport', transport, ...(transport === 'udp' ? ['-buffer_size', '4000000'] : [])];
}

function publish(url: string, transport: 'udp' | 'tcp'): ChildProcess {
  return spawnFfmpeg(['-re', '-stream_loop', '-1', '-i', sampleFile, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', transport, url]);
}

async function waitLive(server: ServerProcess, livePath: string, timeoutMs = 10_000): Promise<void> {
  const client = await RtspTestClient.connect(server.port);
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await client.request('DESCRIBE', server.url(livePath))).status === 200) return;
      await sleep(200);
    }
    throw new Error(`${livePath} never went live`);
  } finally {
    client.close();
  }
}

const exited = (child: ChildProcess, ms: number): Promise<number | null | 'timeout'> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

describe('live broadcasts', { skip }, () => {
  let server: ServerProcess;
  let source: FrameHashes;

  before(async () => {
    server = await startServerProcess({ args: ['--broadcast-lost-after', '2', '--broadcast-grace', '2'] });
    source = await frameMd5(['-i', sampleFile], 60_000, LIVE_HASH_ARGS);
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await server?.cleanup();
  });

  it('fans an ffmpeg broadcast (TCP) out to 20 readers, 10 UDP and 10 TCP, every frame from the source', async () => {
    const publisher = publish(server.url('live.sdp'), 'tcp');
    try {
      await waitLive(server, 'live.sdp');
      await access(path.join(server.moviesFolder, 'live.sdp'));
      const readers = Array.from({ length: 20 }, (_, i) =>
        frameMd5([...readerOptions(i < 10 ? 'udp' : 'tcp'), '-i', server.url('live.sdp'), '-t', '5'], 40_000, LIVE_HASH_ARGS),
      );
      const results = await Promise.all(readers);
      results.forEach((remote, i) => {
        assert.equal(remote.code, 0, `reader ${i}: ${remote.stderr}`);
        assertFramesFromSource(remote, source, `reader ${i}`);
      });
    } finally {
      publisher.kill('SIGKILL');
    }
    // The broadcast ends with its publisher and its SDP leaves the movies folder.
    for (let i = 0; i < 50; i++) {
      if (await access(path.join(server.moviesFolder, 'live.sdp')).then(() => false, () => true)) break;
      await sleep(100);
    }
    await assert.rejects(access(path.join(server.moviesFolder, 'live.sdp')), 'the announced SDP is removed after');
  });

  it('takes an ffmpeg broadcast over UDP', async () => {
    const publisher = publish(server.url('udp-live.sdp'), 'udp');
    try {
      await waitLive(server, 'udp-live.sdp');
      const results = await Promise.all(['udp', 'tcp'].map((t) => frameMd5([...readerOptions(t), '-i', server.url('udp-live.sdp'), '-t', '4'], 30_000, LIVE_HASH_ARGS)));
      results.forEach((remote, i) => assertFramesFromSource(remote, source, `reader ${i}`));
    } finally {
      publisher.kill('SIGKILL');
    }
  });

  it('serves an SDP-file source pushed by ffmpeg -f rtp, and refuses a second file on the same ports with 500', async () => {
    const base = 30000 + 4 * Math.floor(Math.random() * 2000);
    const sdpFile = path.join(os.tmpdir(), `streamhouse-rtp-${process.pid}-${base}.sdp`);
    const pusher = spawnFfmpeg([
      '-re', '-stream_loop', '-1', '-i', sampleFile,
      '-map', '0:v', '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${base}`,
      '-map', '0:a', '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${base + 2}`,
      '-sdp_file', sdpFile,
    ]);
    try {
      for (let i = 0; i < 50 && !(await access(sdpFile).then(() => true, () => false)); i++) await sleep(100);
      await copyFile(sdpFile, path.join(server.moviesFolder, 'camera.sdp'));
      await waitLive(server, 'camera.sdp');
      // The pusher's RTP reaches the server over UDP; readers take TCP here so that a packet
      // lost between two busy processes on a loaded machine is not charged to the fan-out
      // (UDP readers are proven by the ANNOUNCE tests above).
      const results = await Promise.all([0, 1].map(() => frameMd5([...readerOptions('tcp'), '-i', server.url('camera.sdp'), '-t', '4'], 30_000, LIVE_HASH_ARGS)));
      results.forEach((remote, i) => assertFramesFromSource(remote, source, `sdp reader ${i}`));

      await writeFile(path.join(server.moviesFolder, 'camera2.sdp'), await readFile(sdpFile));
      await sleep(2600);
      const client = await RtspTestClient.connect(server.port);
      assert.equal((await client.request('DESCRIBE', server.url('camera2.sdp'))).status, 500);
      client.close();
      assert.match(server.output(), /camera2\.sdp refused: its UDP ports .* are already used by camera\.sdp/);
    } finally {
      pusher.kill('SIGKILL');
    }
  });

  it('refuses a second ANNOUNCE (412), RECORD before every SETUP (455), a malformed SDP (415 naming the line), and relays unknown payloads as they are', async () => {
    const url = server.url('opaque.sdp');
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Opaque\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=application 0 RTP/AVP 99\r\na=rtpmap:99 x-private/90000\r\na=control:streamid=0\r\nm=audio 0 RTP/AVP 0\r\na=control:streamid=1\r\n';
    const publisher = await RtspTestClient.connect(server.port);
    assert.equal((await publisher.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).status, 200);
    const second = await RtspTestClient.connect(server.port);
    assert.equal((await second.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, sdp)).status, 412);
    const bad = await second.request('ANNOUNCE', server.url('bad.sdp'), { 'Content-Type': 'application/sdp' }, 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\nm=video not-a-port RTP/AVP 96\r\n');
    assert.equal(bad.status, 415);
    second.close();

    assert.equal((await publisher.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' })).status, 200);
    assert.equal((await publisher.request('RECORD', url, { Range: 'npt=0.000-' })).status, 455, 'stream 1 is not set up');
    assert.equal((await publisher.request('SETUP', `${url}/streamid=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3;mode=record' })).status, 200);
    assert.equal((await publisher.request('RECORD', url, { Range: 'npt=0.000-' })).status, 200);

    const reader = await RtspTestClient.connect(server.port);
    const describe = await reader.request('DESCRIBE', url);
    assert.equal(describe.status, 200);
    assert.match(describe.body.toString(), /m=application 0 RTP\/AVP 99\r\na=rtpmap:99 x-private\/90000\r\na=control:trackID=1/);
    assert.equal((await reader.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })).status, 200);
    assert.equal((await reader.request('PLAY', url)).status, 200);
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const packet = Buffer.alloc(40, i);
      packet[0] = 0x80;
      packet[1] = 99;
      packet.writeUInt16BE(1000 + i, 2);
      sent.push(packet);
      publisher.write(Buffer.concat([Buffer.from([0x24, 0, 0, packet.length]), packet]));
    }
    await sleep(300);
    const received = reader.frames.filter((f) => f.channel === 0).map((f) => f.payload);
    assert.deepEqual(received, sent, 'opaque RTP is relayed byte for byte');
    reader.close();
    publisher.close();
  });

  it('ends readers cleanly when the broadcaster is killed, and the events tell the story', async () => {
    const publisher = publish(server.url('killed.sdp'), 'tcp');
    await waitLive(server, 'killed.sdp');
    const readers = ['udp', 'tcp'].map((t) => spawnFfmpeg(['-rtsp_transport', t, '-i', server.url('killed.sdp'), '-f', 'null', '-']));
    await sleep(2500);
    publisher.kill('SIGKILL');
    const codes = await Promise.all(readers.map((r) => exited(r, 8000)));
    assert.deepEqual(codes, [0, 0], 'readers end on their own, cleanly');
    await server.stop();
    const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
    try {
      const story = (await store.readStream('broadcast-killed.sdp')).map((e) => e.type).filter((t) => t !== 'BroadcastReadersSampled');
      assert.deepEqual(story, ['BroadcastAnnounced', 'BroadcastStarted', 'BroadcastEnded']);
      const ended = (await store.readStream('broadcast-killed.sdp', { direction: 'backwards', maxCount: 1 }))[0]!;
      assert.equal((ended.data as { reason: string }).reason, 'publisher-left');
      const closes = await store.readAll({ filter: { eventTypes: ['SessionClosed'] } });
      const readerCloses = closes.filter((e) => (e.data as { reason: string }).reason === 'broadcast-ended');
      assert.ok(readerCloses.length >= 2, `reader sessions closed by the broadcast's end (${readerCloses.length})`);
    } finally {
      await store.close();
    }
  });
});
