import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { startServerProcess, repoRoot, type ServerProcess } from '../helpers/serverProcess.js';
import { skipUnlessFfmpeg } from '../helpers/tools.js';
import path from 'node:path';

/**
 * The walking skeleton's proof: ffmpeg playing the sample movie through the server
 * decodes exactly the frames (video and audio) it decodes from the file itself.
 */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

function assertSameFrames(actual: FrameHashes, expected: FrameHashes, label: string): void {
  assert.equal(actual.code, 0, `${label}: ffmpeg exited ${actual.code}\n${actual.stderr}`);
  assert.deepEqual([...actual.streams.keys()].sort(), [...expected.streams.keys()].sort(), `${label}: streams`);
  for (const [index, hashes] of expected.streams) {
    const got = actual.streams.get(index)!;
    assert.equal(got.length, hashes.length, `${label}: stream ${index} frame count`);
    assert.deepEqual(got, hashes, `${label}: stream ${index} frames`);
  }
}

describe('on-demand streaming is bit-exact with ffmpeg', { skip }, () => {
  let server: ServerProcess;
  let local: FrameHashes;

  before(async () => {
    // The movies folder does not exist yet: the server creates it with the sample movie.
    server = await startServerProcess();
    local = await frameMd5(['-i', sampleFile]);
    assert.equal(local.code, 0, local.stderr);
    assert.ok((local.streams.get(0)?.length ?? 0) > 100, 'the sample has video frames');
    assert.ok((local.streams.get(1)?.length ?? 0) > 100, 'the sample has audio frames');
  });

  after(async () => {
    await server?.cleanup();
  });

  it('over UDP', async () => {
    const remote = await frameMd5(['-rtsp_transport', 'udp', '-i', server.url('sample.mp4')]);
    assertSameFrames(remote, local, 'udp');
  });

  it('over TCP interleaved', async () => {
    const remote = await frameMd5(['-rtsp_transport', 'tcp', '-i', server.url('sample.mp4')]);
    assertSameFrames(remote, local, 'tcp');
  });

  it('to 10 clients at once, UDP and TCP mixed', async () => {
    const runs = Array.from({ length: 10 }, (_, i) =>
      frameMd5([...(i % 2 === 0 ? ['-rtsp_transport', 'udp', '-buffer_size', '4000000'] : ['-rtsp_transport', 'tcp']), '-i', server.url('sample.mp4')]),
    );
    const results = await Promise.all(runs);
    results.forEach((remote, i) => assertSameFrames(remote, local, `client ${i}`));
  });
});
