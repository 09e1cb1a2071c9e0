import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { AdminClient, adminPortOf } from './adminClient.js';

/**
 * Error.log and StreamingServer.log are a projection of the events: after two runs
 * of the server (sessions over TCP and UDP, a 453, a refused admin login, errors,
 * repeated errors, settings changed in between, logs rolled every KB), `streamhouse
 * logs rebuild` writes the same files byte for byte.
 */
const PASSWORD = 'rebuild-test-password';

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'adapters', 'cli', 'streamhouse.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

async function playSession(server: ServerProcess, transport: 'TCP' | 'UDP', ms: number): Promise<void> {
  const client = await RtspTestClient.connect(server.port);
  const url = server.url('sample.mp4');
  assert.equal((await client.request('DESCRIBE', url)).status, 200);
  const header = transport === 'TCP' ? 'RTP/AVP/TCP;unicast;interleaved=0-1' : 'RTP/AVP;unicast;client_port=40000-40001';
  assert.equal((await client.request('SETUP', `${url}/trackID=1`, { Transport: header })).status, 200);
  assert.equal((await client.request('PLAY', url)).status, 200);
  await sleep(ms);
  assert.equal((await client.request('TEARDOWN', url)).status, 200);
  client.close();
}

async function causeError(server: ServerProcess): Promise<void> {
  const client = await RtspTestClient.connect(server.port);
  assert.equal((await client.request('DESCRIBE', `rtsp://127.0.0.1:${server.port}/%2e%2e/secret.mp4`)).status, 404);
  client.close();
}

async function logFiles(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.log')).sort()) files.set(name, await readFile(path.join(folder, name)));
  return files;
}

describe('log rebuild', { timeout: 90_000 }, () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('regenerates both logs, rolled files included, byte for byte', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-logs-'));
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ errorLogRollKB: 1, accessLogRollKB: 1 }));
    const args = ['--admin-port', '0', '--sample-interval', '1', '--config', config];

    const first = await startServerProcess({ dir, args });
    try {
      const admin = new AdminClient(adminPortOf(first));
      assert.equal((await admin.login('guess')).status, 401, 'a refused login');
      await admin.loginAndSetPassword(PASSWORD);
      await Promise.all([playSession(first, 'TCP', 1500), playSession(first, 'UDP', 1200), playSession(first, 'TCP', 300)]);
      await causeError(first);
      await causeError(first); // the same message again: "--last message repeated"
      assert.equal((await admin.call('PATCH', '/api/settings', { maxConnections: 0 })).status, 200);
      const refused = await RtspTestClient.connect(first.port);
      assert.equal((await refused.request('DESCRIBE', first.url('sample.mp4'))).status, 453);
      refused.close();
      assert.equal((await admin.call('PATCH', '/api/settings', { maxConnections: 100, accessLogRollKB: 2 })).status, 200);
      await sleep(300);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    // A second run goes on from the writer's checkpoint, with the settings changed in the admin.
    const second = await startServerProcess({ dir, args });
    try {
      const admin = new AdminClient(adminPortOf(second));
      assert.equal((await admin.login(PASSWORD)).status, 200);
      const settings = await admin.call('GET', '/api/settings');
      assert.equal(settings.json.settings.maxConnections, 100, 'an admin change outlives a restart');
      await playSession(second, 'TCP', 500);
      await causeError(second);
      await sleep(300);
    } finally {
      assert.equal(await second.stop(), 0);
    }

    const liveFolder = path.join(second.dataFolder, 'logs');
    const live = await logFiles(liveFolder);
    const rebuiltFolder = path.join(dir, 'rebuilt');
    const result = cli(['logs', 'rebuild', '--data', second.dataFolder, '--out', rebuiltFolder]);
    assert.equal(result.status, 0, result.stderr);
    const rebuilt = await logFiles(rebuiltFolder);

    assert.deepEqual([...rebuilt.keys()], [...live.keys()], 'the same files');
    for (const [name, bytes] of live) assert.ok(bytes.equals(rebuilt.get(name)!), `${name} differs`);

    const names = [...live.keys()];
    assert.ok(names.some((n) => /^Error\.\d{6}\d{3}\.log$/.test(n)), `Error.log rolled: ${names.join(' ')}`);
    assert.ok(names.some((n) => /^StreamingServer\.\d{6}\d{3}\.log$/.test(n)), `StreamingServer.log rolled: ${names.join(' ')}`);
    const all = (prefix: string): string => names.filter((n) => n.startsWith(prefix)).map((n) => live.get(n)!.toString()).join('');
    const errors = all('Error');
    assert.match(errors, /^#Log File Created On: \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/m);
    assert.equal(errors.match(/^# Streaming STARTUP /gm)?.length, 2);
    assert.equal(errors.match(/^# Streaming SHUTDOWN /gm)?.length, 2);
    assert.match(errors, /: WARNING: admin login refused for "streamingadmin" from 127\.0\.0\.1: wrong-password$/m);
    assert.match(errors, /: WARNING: 127\.0\.0\.1: DESCRIBE rtsp:\/\/127\.0\.0\.1:\d+\/%2e%2e\/secret\.mp4 refused: .*\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: --last message repeated 1 time$/m);
    const access = all('StreamingServer');
    assert.equal(access.match(/^#Software: Streamhouse$/gm)?.length, names.filter((n) => n.startsWith('StreamingServer')).length, 'every access log has its header');
    assert.equal(access.match(/^#Remark: Streaming beginning STARTUP /gm)?.length, 2);
    const lines = access.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.equal(lines.filter((l) => l.split(' ')[8] === '200').length, 4, 'four sessions played');
    assert.equal(lines.filter((l) => l.split(' ')[8] === '453').length, 1, 'one refused');
    assert.equal(lines.filter((l) => l.split(' ')[8] === '404').length, 3, 'and the bad paths');
    for (const line of lines) assert.equal(line.split(' ').length, 39, `39 fields: ${line}`);
    assert.ok(lines.some((l) => l.split(' ')[20] === 'UDP') && lines.some((l) => l.split(' ')[20] === 'TCP'));
  });

  it('explains its usage and refuses a running server\'s store', async () => {
    const bad = cli(['logs', 'rebuld']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected "rebuild"/);
    const server = await startServerProcess({ args: ['--admin-port', '0'] });
    try {
      const locked = cli(['logs', 'rebuild', '--data', server.dataFolder]);
      assert.equal(locked.status, 2);
      assert.match(locked.stderr, /stop the server first/);
    } finally {
      await server.cleanup();
    }
  });
});
