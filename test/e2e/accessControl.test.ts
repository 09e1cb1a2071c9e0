import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/** Issue 6's proofs against the running server with real clients. */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

function qtpasswd(args: string[]): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'adapters', 'cli', 'qtpasswd.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    input: '',
  });
  assert.equal(result.status, 0, `qtpasswd ${args.join(' ')}: ${result.stderr}`);
}

describe('access control', { skip }, () => {
  let server: ServerProcess;
  let local: FrameHashes;
  let dir: string;
  let users: string;
  let groups: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-access-'));
    const movies = path.join(dir, 'movies');
    users = path.join(dir, 'qtusers');
    groups = path.join(dir, 'qtgroups');
    for (const scheme of ['digest', 'basic']) {
      await mkdir(path.join(movies, scheme), { recursive: true });
      await copyFile(sampleFile, path.join(movies, scheme, 'sample.mp4'));
      await writeFile(
        path.join(movies, scheme, 'qtaccess'),
        `AuthName "Protected ${scheme}"\nAuthUserFile ${users}\nAuthGroupFile ${groups}\nAuthScheme ${scheme}\nrequire valid-user\n`,
      );
    }
    await copyFile(sampleFile, path.join(movies, 'open.mp4'));
    // At the root: reading open to all, broadcasting only for the broadcaster group.
    await writeFile(path.join(movies, 'qtaccess'), `AuthUserFile ${users}\nAuthGroupFile ${groups}\nrequire any-user\n<Limit WRITE>\nrequire group broadcaster\n</Limit>\n`);
    await symlink('/etc', path.join(movies, 'etc-link'));
    qtpasswd(['-c', '-f', users, '-p', 'secret', 'alice']);
    qtpasswd(['-f', users, '-p', 'hunter2', 'bob']);
    qtpasswd(['-f', users, '-g', groups, '-C', 'broadcaster']);
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ authenticateLocalBroadcasts: true, broadcastAllowList: [] }));
    server = await startServerProcess({
      dir,
      moviesFolder: movies,
      args: ['--users-file', users, '--groups-file', groups, '--config', path.join(dir, 'config.json')],
    });
    local = await frameMd5(['-i', sampleFile]);
  });

  after(async () => {
    await server?.cleanup();
  });

  for (const scheme of ['digest', 'basic']) {
    it(`plays a protected movie with credentials under ${scheme}, and refuses wrong ones with 401`, async () => {
      const client = await RtspTestClient.connect(server.port);
      const challenge = await client.request('DESCRIBE', server.url(`${scheme}/sample.mp4`));
      assert.equal(challenge.status, 401);
      const offered = challenge.headers.getAll('WWW-Authenticate');
      assert.equal(offered.length, 1, 'exactly one challenge');
      assert.match(offered[0]!, scheme === 'digest' ? /^Digest realm="[^"]+", nonce="[0-9a-f]+"/ : /^Basic realm="Protected basic"$/);
      client.close();
      const good = await frameMd5(['-rtsp_transport', 'tcp', '-i', `rtsp://alice:secret@127.0.0.1:${server.port}/${scheme}/sample.mp4`]);
      assert.equal(good.code, 0, good.stderr);
      assert.deepEqual(good.streams, local.streams);
      const bad = await frameMd5(['-rtsp_transport', 'tcp', '-i', `rtsp://alice:wrong@127.0.0.1:${server.port}/${scheme}/sample.mp4`]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /401/);
    });
  }

  it('refuses a broadcaster outside the broadcaster group, and accepts it once qtpasswd adds it, without a restart', async () => {
    const publish = (user: string, password: string, name: string) =>
      spawnSync(ffmpegPath()!, ['-hide_banner', '-loglevel', 'error', '-re', '-i', sampleFile, '-t', '2', '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', `rtsp://${user}:${password}@127.0.0.1:${server.port}/${name}.sdp`], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    const refused = publish('bob', 'hunter2', 'bobcast');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /40[13]/);
    qtpasswd(['-f', users, '-g', groups, '-A', 'broadcaster', 'bob']);
    await sleep(1100); // file modification times have one-second granularity on some filesystems
    const accepted = publish('bob', 'hunter2', 'bobcast2');
    assert.equal(accepted.status, 0, accepted.stderr);
  });

  it('keeps hostile paths inside the movies folder, each refused and recorded', async () => {
    const client = await RtspTestClient.connect(server.port);
    const base = `rtsp://127.0.0.1:${server.port}`;
    const hostile = [
      `${base}/../../etc/passwd`,
      `${base}/%2e%2e/%2e%2e/etc/passwd`,
      `${base}/%252e%252e/etc/passwd`,
      `${base}/..%5c..%5cetc%5cpasswd`,
      `${base}//etc/passwd`,
      `${base}/open.mp4%00.txt`,
      `${base}/%c0%ae%c0%ae/etc/passwd`,
      `${base}/etc-link/passwd`,
      `${base}/OPEN.MP4`,
      `${base}/QTACCESS`,
      `${base}/qtaccess`,
    ];
    for (const uri of hostile) {
      const res = await client.request('DESCRIBE', uri);
      assert.ok(res.status === 404 || res.status === 403, `${uri}: ${res.status}`);
    }
    assert.equal((await client.request('DESCRIBE', `${base}/open.mp4`)).status, 200, 'the open movie still plays');
    client.close();
    await server.stop();
    const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
    try {
      const denied = await store.readAll({ filter: { eventTypes: ['AccessDenied'] } });
      assert.ok(denied.some((e) => (e.data as { url: string }).url.includes('%2e%2e')), 'hostile paths are recorded');
      assert.ok(denied.some((e) => (e.data as { status: number; user: string | null }).status === 401 && (e.data as { user: string | null }).user === 'alice'), 'a wrong password is recorded with its user');
      const logins = await store.readAll({ filter: { eventTypes: ['UserAuthenticated'] } });
      assert.ok(logins.some((e) => (e.data as { user: string }).user === 'alice'));
      const refusals = await store.readAll({ filter: { eventTypes: ['SessionRequestRefused'] } });
      assert.ok(refusals.some((e) => (e.data as { status: number }).status === 403), 'the link out of the folder is refused and recorded');
    } finally {
      await store.close();
    }
  });
});
