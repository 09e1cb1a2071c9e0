import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';

/**
 * `streamhouse events …` against a running server's EventStoreDB endpoint (the real
 * @eventstore/db-client underneath) and against the stopped server's data folder.
 */
function events(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'adapters', 'cli', 'streamhouse.ts'), 'events', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('streamhouse events', () => {
  let server: ServerProcess;
  let endpoint: string;

  before(async () => {
    server = await startServerProcess({ args: ['--esdb-grpc-port', '0'] });
    endpoint = /event store gRPC endpoint: (\S+)/.exec(server.output())![1]!;
  });
  after(async () => server?.cleanup());

  it('lists, replays "as of" a past moment, refuses a locked store, and exports', async () => {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    await client.request('DESCRIBE', url);
    await client.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    await client.request('PLAY', url);
    const sessionId = client.session!;
    await sleep(500);
    const whilePlaying = Date.now();
    await sleep(500);
    assert.equal((await client.request('TEARDOWN', url)).status, 200);
    client.close();
    await sleep(300);

    const streams = events(['streams', '--url', endpoint]);
    assert.equal(streams.status, 0, streams.stderr);
    assert.ok(streams.stdout.split('\n').includes(`session-${sessionId}`));

    const then = events(['replay', 'connected-users', '--at', new Date(whilePlaying).toISOString(), '--url', endpoint]);
    assert.equal(then.status, 0, then.stderr);
    const past = JSON.parse(then.stdout) as { users: Array<{ sessionId: string; state: string; transport: string; path: string }> };
    const row = past.users.find((u) => u.sessionId === sessionId);
    assert.ok(row, 'the session was connected then');
    assert.equal(row.state, 'playing');
    assert.equal(row.transport, 'TCP');
    assert.equal(row.path, 'sample.mp4');
    const now = JSON.parse(events(['replay', 'connected-users', '--url', endpoint]).stdout) as { users: Array<{ sessionId: string }> };
    assert.ok(!now.users.some((u) => u.sessionId === sessionId), 'and has left since');

    const locked = events(['streams', '--data', server.dataFolder]);
    assert.equal(locked.status, 2);
    assert.match(locked.stderr, /in use by process \d+: stop the server, or read through its endpoint with --url/);

    await server.stop();
    const exported = events(['export', '--data', server.dataFolder, '--from', new Date(whilePlaying - 60_000).toISOString()]);
    assert.equal(exported.status, 0, exported.stderr);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { stream: string; type: string; position: number });
    const mine = lines.filter((l) => l.stream === `session-${sessionId}`).map((l) => l.type);
    assert.deepEqual(mine, ['SessionOpened', 'SessionDescribed', 'SessionTransportSetUp', 'SessionPlaying', 'SessionClosed']);
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i]!.position > lines[i - 1]!.position, 'in $all order');
  });

  it('explains its usage', () => {
    const bad = events(['replay', 'nothing']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /replay needs a view: connected-users/);
  });
});
