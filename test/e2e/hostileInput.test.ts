import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient } from '../helpers/rtspTestClient.js';
import { skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * Bad input gets a clear refusal and harms nobody else: while ffmpeg plays the
 * sample bit-exact, other connections send garbage, an endless header, a 10 MB body,
 * a path out of the movies folder, and ask for broken movies.
 */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

describe('hostile input', { skip }, () => {
  let server: ServerProcess;
  let local: FrameHashes;

  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-hostile-'));
    const movies = path.join(dir, 'movies');
    await mkdir(movies, { recursive: true });
    await copyFile(sampleFile, path.join(movies, 'sample.mp4'));
    const bytes = await readFile(sampleFile);
    // faststart: moov comes first, so cutting the file inside it truncates the moov.
    await writeFile(path.join(movies, 'truncated.mp4'), bytes.subarray(0, 3000));
    const corrupt = Buffer.from(bytes);
    const stsz = corrupt.indexOf('stsz');
    corrupt.writeUInt32BE(0x7fffffff, stsz + 12); // an absurd sample count
    await writeFile(path.join(movies, 'corrupt.mp4'), corrupt);
    await writeFile(path.join(movies, 'notamovie.mp4'), 'this is text, not a movie\n');
    server = await startServerProcess({ dir, moviesFolder: movies });
    local = await frameMd5(['-i', sampleFile]);
  });

  after(async () => {
    await server?.cleanup();
  });

  it('refuses garbage, huge headers and bodies, and escapes, while a client plays bit-exact', async () => {
    const playing = frameMd5(['-rtsp_transport', 'tcp', '-i', server.url('sample.mp4')]);

    const garbage = await RtspTestClient.connect(server.port);
    const res1 = await garbage.send(Buffer.concat([Buffer.from('\x16\x03\x01'), randomBytes(2000), Buffer.from('\r\n\r\n')]));
    assert.equal(res1.status, 400);
    assert.ok(await garbage.waitClosed(), 'connection closed after a framing error');

    const endless = await RtspTestClient.connect(server.port);
    endless.write(Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Endless: '));
    const endlessRes = endless.send(Buffer.from('a'.repeat(64 * 1024)));
    assert.equal((await endlessRes).status, 400);
    assert.ok(await endless.waitClosed());

    const big = await RtspTestClient.connect(server.port);
    const bigRes = await big.send(Buffer.from(`ANNOUNCE ${server.url('x.sdp')} RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`));
    assert.equal(bigRes.status, 413);
    assert.ok(await big.waitClosed());

    const client = await RtspTestClient.connect(server.port);
    for (const uri of [
      `${server.url('')}../../etc/passwd`,
      `rtsp://127.0.0.1:${server.port}/%2e%2e/%2e%2e/etc/passwd`,
      `rtsp://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd`,
      `rtsp://127.0.0.1:${server.port}/nosuchmovie.mp4`,
    ]) {
      const res = await client.request('DESCRIBE', uri);
      assert.equal(res.status, 404, uri);
    }
    assert.equal((await client.request('DESCRIBE', server.url('sample.mp4'), { Session: '123' })).status, 456);
    assert.equal((await client.request('PLAY', server.url('sample.mp4'), { Session: '999' })).status, 454);
    assert.equal((await client.send(Buffer.from('OPTIONS * RTSP/1.0\r\n\r\n'))).status, 400, 'no CSeq');
    assert.equal((await client.request('FLY', server.url('sample.mp4'))).status, 501);
    client.close();

    const remote = await playing;
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(remote.streams, local.streams);
  });

  it('refuses broken movies with 415 and a clear message, records why, and keeps running', async () => {
    const client = await RtspTestClient.connect(server.port);
    for (const name of ['truncated.mp4', 'corrupt.mp4', 'notamovie.mp4']) {
      const res = await client.request('DESCRIBE', server.url(name));
      assert.equal(res.status, 415, name);
    }
    assert.equal((await client.request('DESCRIBE', server.url('sample.mp4'))).status, 200, 'still serving');
    client.close();
    await server.stop();
    assert.match(server.output(), /WARNING: movie .*corrupt\.mp4 refused at box \S*stsz/);

    const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
    try {
      const refusals = await store.readAll({ filter: { eventTypes: ['SessionRequestRefused'] } });
      const byUrl = new Map(refusals.map((e) => [(e.data as { url: string }).url, e.data as { status: number; reason: string }]));
      const corrupt = byUrl.get(server.url('corrupt.mp4'));
      assert.ok(corrupt, 'the corrupt movie refusal is an event');
      assert.equal(corrupt.status, 415);
      assert.match(corrupt.reason, /stsz/);
      assert.match(byUrl.get(server.url('truncated.mp4'))?.reason ?? '', /moov/);
    } finally {
      await store.close();
    }
  });
});
