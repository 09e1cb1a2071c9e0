import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { frameMd5 } from '../helpers/framemd5.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { sleep } from '../helpers/rtspTestClient.js';
import { skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * A server whose shared EventStoreDB is down keeps streaming; its events wait in the
 * embedded store and reach the shared store, once each and in order, when it comes up.
 * The "shared store" here is a second Streamhouse serving its store over EventStoreDB's
 * gRPC API, reached through the real @eventstore/db-client.
 */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exportFrom(url: string): Array<{ stream: string; type: string; id: string }> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'adapters', 'cli', 'streamhouse.ts'), 'events', 'export', '--url', url], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim() === '' ? [] : result.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

describe('event store outbox', { skip }, () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.cleanup();
  });

  it('streams while the shared store is down, then delivers every event once, in order', async () => {
    const port = await freePort();
    const url = `esdb://127.0.0.1:${port}?tls=false`;
    const edge = await startServerProcess({ args: ['--eventstore-url', url, '--node-id', 'edge'] });
    servers.push(edge);
    const local = await frameMd5(['-i', sampleFile]);
    const played = await frameMd5(['-rtsp_transport', 'tcp', '-i', edge.url('sample.mp4')]);
    assert.equal(played.code, 0, played.stderr);
    assert.deepEqual(played.streams, local.streams, 'streaming is unaffected');
    assert.match(edge.output(), /event store esdb:\/\/127\.0\.0\.1:\d+\?tls=false: unreachable/);

    const shared = await startServerProcess({ args: ['--esdb-grpc-port', String(port), '--node-id', 'shared'] });
    servers.push(shared);
    let delivered: Array<{ stream: string; type: string; id: string }> = [];
    for (let i = 0; i < 60; i++) {
      delivered = exportFrom(url).filter((e) => e.stream.startsWith('session-'));
      if (delivered.some((e) => e.type === 'SessionClosed')) break;
      await sleep(500);
    }
    await edge.stop();
    const sessionEvents = delivered.filter((e) => e.stream === delivered[0]?.stream);
    assert.deepEqual(
      sessionEvents.map((e) => e.type).filter((t) => t !== 'SessionSampled'),
      ['SessionOpened', 'SessionDescribed', 'SessionTransportSetUp', 'SessionTransportSetUp', 'SessionPlaying', 'SessionClosed'],
    );
    assert.equal(new Set(delivered.map((e) => e.id)).size, delivered.length, 'each event once');
  });
});
