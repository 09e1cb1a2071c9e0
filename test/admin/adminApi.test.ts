import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { sleep } from '../helpers/rtspTestClient.js';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { AdminClient, adminPortOf, request, type Reply } from './adminClient.js';

/**
 * Issue 7's API proofs against the real server: without a session every endpoint
 * answers 401; every bad input is a 400 naming the field; a cross-site POST and a
 * call without the CSRF token are refused; the default password must be changed
 * first and keeps the admin to loopback; logins, failures, logouts and settings
 * changes are events naming who.
 */
const PASSWORD = 'correct-horse-battery';

function assertField(reply: Reply, field: string, label: string): void {
  assert.equal(reply.status, 400, `${label}: ${reply.status} ${reply.text}`);
  assert.equal(reply.json?.field, field, `${label}: ${reply.text}`);
  assert.match(reply.json?.error ?? '', new RegExp(`invalid ${field.replace(/[().]/g, '\\$&')}`), label);
}

function openSocket(port: number, headers: Record<string, string>): Promise<{ ws: WebSocket; messages: any[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers });
    const messages: any[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('admin API', { timeout: 90_000 }, () => {
  let server: ServerProcess;
  let port: number;
  const admin = (): AdminClient => new AdminClient(port);
  let client: AdminClient;

  before(async () => {
    server = await startServerProcess({ args: ['--admin-port', '0'] });
    port = adminPortOf(server);
    client = admin();
  });
  after(async () => server?.cleanup());

  const endpoints: Array<[string, string, unknown?]> = [
    ['GET', '/api/session'],
    ['POST', '/api/logout', {}],
    ['POST', '/api/password', { current: 'default', next: 'something-long' }],
    ['GET', '/api/settings'],
    ['PATCH', '/api/settings', { maxConnections: 1 }],
    ['GET', '/api/startup'],
    ['GET', '/api/views'],
    ['GET', '/api/views/snapshot'],
    ['GET', '/api/views/connected-users?at=2026-01-01T00:00:00Z'],
    ['GET', '/api/movies'],
    ['GET', '/api/movies/reference?movie=sample.mp4'],
  ];

  it('answers 401 to every endpoint without a session, and to the WebSocket', async () => {
    for (const [method, url, body] of endpoints) {
      const reply = await admin().call(method, url, body);
      assert.equal(reply.status, 401, `${method} ${url}: ${reply.text}`);
    }
    await assert.rejects(openSocket(port, {}), (error: { status?: number }) => error.status === 401);
  });

  it('refuses bad login input with a 400 naming the field', async () => {
    assertField(await admin().call('POST', '/api/login', {}), 'user', 'no user');
    assertField(await admin().call('POST', '/api/login', { user: 'streamingadmin' }), 'password', 'no password');
    assertField(await admin().call('POST', '/api/login', { user: 'streamingadmin', password: 7 }), 'password', 'number password');
    assertField(await admin().call('POST', '/api/login', { user: 'streamingadmin', password: 'x', remember: true }), 'remember', 'unknown field');
    const notJson = await request(port, 'POST', '/api/login', { body: '{nope', headers: { 'Content-Type': 'application/json' } });
    assertField(notJson, '(body)', 'not JSON');
    const form = await request(port, 'POST', '/api/login', { body: 'user=a&password=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415, 'a form post is not JSON');
  });

  it('slows a failed login down', async () => {
    const started = performance.now();
    const reply = await admin().login('guess');
    assert.equal(reply.status, 401);
    assert.ok(performance.now() - started >= 450, 'held back about half a second');
  });

  it('takes the default password from loopback, then refuses everything until it is changed', async () => {
    const reply = await client.login('default');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.mustChangePassword, true);
    const cookie = String(reply.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await client.call('GET', '/api/settings')).status, 403);
    assert.equal((await client.call('GET', '/api/views/snapshot')).status, 403);
    await assert.rejects(openSocket(port, { Cookie: client.cookie }), (error: { status?: number }) => error.status === 403);

    assertField(await client.call('POST', '/api/password', { current: 'default' }), 'next', 'no new password');
    assertField(await client.call('POST', '/api/password', { current: 'default', next: 'short' }), 'next', 'too short');
    assertField(await client.call('POST', '/api/password', { current: 'default', next: 'default' }), 'next', 'still the default');
    assertField(await client.call('POST', '/api/password', { current: 'not-it', next: PASSWORD }), 'current', 'wrong current password');
    const changed = await client.call('POST', '/api/password', { current: 'default', next: PASSWORD });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.mustChangePassword, false);
    assert.equal((await client.call('GET', '/api/settings')).status, 200);
    assert.equal((await admin().login('default')).status, 401, 'the default password no longer works');
  });

  it('refuses a cross-site POST, and a state change without the CSRF token', async () => {
    const fromElsewhere = await client.call('PATCH', '/api/settings', { maxConnections: 3 }, { Origin: 'http://evil.example' });
    assert.equal(fromElsewhere.status, 403);
    assert.match(fromElsewhere.json.error, /cross-site/);
    const fetchMetadata = await client.call('PATCH', '/api/settings', { maxConnections: 3 }, { 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(fetchMetadata.status, 403);
    const crossSiteLogin = await request(port, 'POST', '/api/login', {
      body: JSON.stringify({ user: 'streamingadmin', password: PASSWORD }),
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
    });
    assert.equal(crossSiteLogin.status, 403, 'no login CSRF either');
    const noToken = await request(port, 'PATCH', '/api/settings', {
      body: JSON.stringify({ maxConnections: 3 }),
      headers: { 'Content-Type': 'application/json', Cookie: client.cookie },
    });
    assert.equal(noToken.status, 403);
    assert.match(noToken.json.error, /X-CSRF-Token/);
    const sameOrigin = await client.call('PATCH', '/api/settings', { maxConnections: 3 }, { Origin: `http://127.0.0.1:${port}` });
    assert.equal(sameOrigin.status, 200, sameOrigin.text);
  });

  it('refuses bad input on every endpoint with a 400 naming the field', async () => {
    assertField(await client.call('GET', '/api/session?verbose=1'), 'verbose', 'session query');
    assertField(await client.call('POST', '/api/logout', { everywhere: true }), 'everywhere', 'logout body');
    assertField(await client.call('POST', '/api/password', { current: PASSWORD, next: 'x'.repeat(1001) }), 'next', 'password too long');
    assertField(await client.call('GET', '/api/settings?all=1'), 'all', 'settings query');
    assertField(await client.call('PATCH', '/api/settings', { maxConnections: 'ten' }), 'maxConnections', 'not a number');
    assertField(await client.call('PATCH', '/api/settings', { maxConnections: -2 }), 'maxConnections', 'below -1');
    assertField(await client.call('PATCH', '/api/settings', { maxThroughputKbps: 1.5 }), 'maxThroughputKbps', 'not whole');
    assertField(await client.call('PATCH', '/api/settings', { authenticationScheme: 'kerberos' }), 'authenticationScheme', 'unknown scheme');
    assertField(await client.call('PATCH', '/api/settings', { errorLogRollKB: -1 }), 'errorLogRollKB', 'negative size');
    assertField(await client.call('PATCH', '/api/settings', { rtspPorts: [80] }), 'rtspPorts', 'not an admin setting');
    assertField(await client.call('PATCH', '/api/settings', [1, 2]), '(body)', 'not an object');
    assertField(await client.call('GET', '/api/startup?x=1'), 'x', 'startup query');
    assertField(await client.call('GET', '/api/views?x=1'), 'x', 'views query');
    assertField(await client.call('GET', '/api/views/snapshot?at=yesterday'), 'at', 'bad time');
    assertField(await client.call('GET', '/api/views/snapshot?when=1'), 'when', 'unknown query');
    assertField(await client.call('GET', '/api/views/snapshot?at=1&at=2'), 'at', 'twice');
    assert.equal((await client.call('GET', '/api/views/nothing')).status, 404);
    assertField(await client.call('GET', '/api/movies?sort=name'), 'sort', 'movies query');
    assertField(await client.call('GET', '/api/movies/reference'), 'movie', 'no movie');
    assertField(await client.call('GET', '/api/movies/reference?movie=..%2F..%2Fetc%2Fpasswd'), 'movie', 'leaves the folder');
    assertField(await client.call('GET', '/api/movies/reference?movie=%2Fetc%2Fpasswd'), 'movie', 'absolute');
    assert.equal((await client.call('GET', '/api/movies/reference?movie=none.mp4')).status, 404);
    const reference = await client.call('GET', '/api/movies/reference?movie=sample.mp4');
    assert.equal(reference.status, 200);
    assert.equal(reference.text, `RTSPtext\nrtsp://127.0.0.1:${server.port}/sample.mp4`);
  });

  it('applies limits at once and says what needs a restart', async () => {
    const reply = await client.call('PATCH', '/api/settings', { maxConnections: 7, maxThroughputKbps: 5000, moviesFolder: '/srv/elsewhere' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json.restartNeeded, true);
    assert.deepEqual(reply.json.appliedNow.sort(), ['maxConnections', 'maxThroughputKbps']);
    assert.deepEqual(reply.json.pendingRestart, ['moviesFolder']);
    assert.deepEqual(reply.json.changes.maxConnections, { from: 3, to: 7 });
    const again = await client.call('PATCH', '/api/settings', { maxConnections: 7 });
    assert.deepEqual(again.json.changes, {}, 'no change, no event');
    const back = await client.call('PATCH', '/api/settings', { moviesFolder: server.moviesFolder });
    assert.equal(back.status, 200);
    const settings = await client.call('GET', '/api/settings');
    assert.equal(settings.json.settings.maxConnections, 7);
    assert.equal(settings.json.settings.moviesFolder, server.moviesFolder);
  });

  it('shows the embedded event store on the snapshot, live only', async () => {
    const snapshot = await client.call('GET', '/api/views/snapshot');
    assert.equal(snapshot.status, 200, snapshot.text);
    assert.deepEqual(snapshot.json.live.eventStore, { kind: 'embedded', folder: path.join(server.dataFolder, 'events'), unreadableEvents: 0 });
    const past = await client.call('GET', `/api/views/snapshot?at=${encodeURIComponent(new Date().toISOString())}`);
    assert.equal(past.status, 200, past.text);
    assert.equal(past.json.live, null, 'not a fact of the events: no store status for a past moment');
  });

  it('streams a view over the WebSocket: its snapshot, then at most 4 updates a second', async () => {
    const { ws, messages } = await openSocket(port, { Cookie: client.cookie, Origin: `http://127.0.0.1:${port}` });
    try {
      ws.send(JSON.stringify({ type: 'subscribe', view: 'nothing' }));
      const bad = await until('an error', () => messages.find((m) => m.type === 'error'));
      assert.equal(bad.field, 'view');
      ws.send(JSON.stringify({ type: 'subscribe', view: 'snapshot', intervalMs: 10 }));
      await until('a second error', () => (messages.filter((m) => m.type === 'error').length === 2 ? true : undefined));
      assert.equal(messages.filter((m) => m.type === 'error')[1].field, 'intervalMs');
      messages.length = 0;
      ws.send(JSON.stringify({ type: 'subscribe', view: 'snapshot', intervalMs: 250 }));
      const first = await until('the snapshot', () => messages[0]);
      assert.equal(first.type, 'snapshot');
      assert.equal(first.data.status, 'running');
      await sleep(2000);
      const updates = messages.filter((m) => m.view === 'snapshot' && m.type === 'update');
      assert.ok(updates.length >= 4 && updates.length <= 9, `${updates.length} updates in 2 s`);
    } finally {
      ws.close();
    }
    await assert.rejects(openSocket(port, { Cookie: client.cookie, Origin: 'http://evil.example' }), (error: { status?: number }) => error.status === 403);
  });

  it('records logins, refusals, logouts and settings changes as events naming who', async () => {
    const out = await client.call('POST', '/api/logout');
    assert.equal(out.status, 200);
    assert.equal((await client.call('GET', '/api/settings')).status, 401, 'the session is over');
    await server.stop();
    const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
    try {
      const events = await store.readStream('server-local');
      const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);
      // The guess, and the default password tried after it was changed.
      assert.deepEqual(of('AdminLoginFailed').map((d) => [d.user, d.clientAddress, d.reason]), [
        ['streamingadmin', '127.0.0.1', 'wrong-password'],
        ['streamingadmin', '127.0.0.1', 'wrong-password'],
      ]);
      assert.equal(of('AdminLoggedIn').length, 1);
      assert.equal(of('AdminLoggedIn')[0]!.mustChangePassword, true);
      assert.deepEqual(of('AdminLoggedOut'), [{ user: 'streamingadmin', clientAddress: '127.0.0.1' }]);
      const changes = of('SettingsChanged');
      assert.ok(changes.every((c) => c.by === 'streamingadmin' && c.clientAddress === '127.0.0.1'));
      assert.deepEqual(Object.keys(changes[0]!.changes as object), ['adminPassword'], 'the password change, hidden');
      assert.equal(JSON.stringify(changes).includes(PASSWORD), false, 'no password in the events');
      assert.ok(changes.some((c) => (c.changes as Record<string, unknown>).moviesFolder && c.restartNeeded === true));
      assert.deepEqual(events.map((e) => e.type).filter((t) => t.startsWith('Server')), ['ServerStarted', 'ServerStopped']);
    } finally {
      await store.close();
    }
  });
});

describe('admin with the default password', { timeout: 60_000 }, () => {
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  let server: ServerProcess;
  before(async () => {
    if (external) server = await startServerProcess({ args: ['--admin-port', '0', '--listen', '0.0.0.0'] });
  });
  after(async () => server?.cleanup());

  it('answers only loopback clients', { skip: external ? false : 'no non-loopback address on this machine' }, async () => {
    const port = adminPortOf(server);
    const remote = await request(port, 'GET', '/api/session', { host: external! });
    assert.equal(remote.status, 403);
    assert.match(remote.json.error, /still the default/);
    const page = await request(port, 'GET', '/', { host: external! });
    assert.equal(page.status, 403, 'nor the page');
    const local = await request(port, 'GET', '/api/session');
    assert.equal(local.status, 401, 'loopback gets the login');
    const client = new AdminClient(port);
    await client.loginAndSetPassword(PASSWORD);
    const remoteNow = await request(port, 'GET', '/api/session', { host: external! });
    assert.equal(remoteNow.status, 401, 'a real password opens the admin to the network');
  });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('admin event store status with EventStoreDB', { timeout: 120_000 }, () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    for (const s of servers) await s.cleanup();
  });

  it('shows the remote unreachable with events waiting, then connected with none, live over the WebSocket', async () => {
    // Nothing listens on the port yet: the "shared store" comes up later, as another Streamhouse's gRPC endpoint.
    const esdbPort = await freePort();
    const edge = await startServerProcess({ args: ['--admin-port', '0', '--eventstore-url', `esdb://admin:changeit@127.0.0.1:${esdbPort}?tls=false`, '--node-id', 'edge'] });
    servers.push(edge);
    const port = adminPortOf(edge);
    const client = new AdminClient(port);
    await client.loginAndSetPassword(PASSWORD);
    const { ws, messages } = await openSocket(port, { Cookie: client.cookie, Origin: `http://127.0.0.1:${port}` });
    try {
      ws.send(JSON.stringify({ type: 'subscribe', view: 'snapshot', intervalMs: 250 }));
      const storeStatus = (m: any) => (m.view === 'snapshot' && m.data?.live ? m.data.live.eventStore : undefined);
      const down = await until(
        'the remote reported unreachable',
        () => messages.map(storeStatus).find((s) => s?.remote === 'unreachable' && s.lastError !== null && s.pending > 0),
        20_000,
      );
      assert.equal(down.kind, 'eventstoredb');
      assert.equal(down.url, `esdb://127.0.0.1:${esdbPort}?tls=false`, 'the URL without its credentials');
      assert.equal(down.folder, path.join(edge.dataFolder, 'events'));
      assert.ok(Date.parse(down.since) <= Date.now() && Date.now() - Date.parse(down.since) < 60_000, `unreachable since ${down.since}`);
      assert.equal(down.unreadableEvents, 0);
      assert.ok(!JSON.stringify(messages).includes('changeit'), 'no password on the page');
      assert.ok(!edge.output().includes('changeit'), 'nor in the error log');

      const shared = await startServerProcess({ args: ['--admin-port', '0', '--esdb-grpc-port', String(esdbPort), '--node-id', 'shared'] });
      servers.push(shared);
      const up = await until('the remote connected and the outbox drained', () => messages.map(storeStatus).find((s) => s?.remote === 'connected' && s.pending === 0), 30_000);
      assert.equal(up.lastError, null);
      assert.ok(Date.parse(up.since) > Date.parse(down.since), 'connected since it came up');
      const seen = messages.map(storeStatus).filter(Boolean).map((s) => s.remote);
      assert.equal(seen[0], 'unreachable');
      assert.equal(seen[seen.length - 1], 'connected');
    } finally {
      ws.close();
    }
  });
});

describe('admin over a store with events this build cannot read', { timeout: 60_000 }, () => {
  let server: ServerProcess | undefined;
  let dir = '';
  after(async () => {
    await server?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts, leaves them out of the views, names them in the error log and counts them on the snapshot', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-test-'));
    const opened = (id: string) => ({ sessionId: id, clientAddress: '192.0.2.7', clientPort: 5004, serverAddress: '192.0.2.1', userAgent: null, url: `rtsp://h/${id}.mp4`, path: `${id}.mp4` });
    const store = await openEmbeddedEventStore(path.join(dir, 'data', 'events'));
    // One from before versions were recorded (read as version 1), one from a newer build, one invalid.
    await store.append('session-before', [{ id: randomUUID(), type: 'SessionOpened', data: opened('before'), metadata: { nodeId: 'local' } }]);
    await store.append('session-newer', [{ id: randomUUID(), type: 'SessionOpened', data: opened('newer'), metadata: { nodeId: 'local', schemaVersion: 99 } }]);
    await store.append('session-broken', [{ id: randomUUID(), type: 'SessionOpened', data: { ...opened('broken'), clientPort: 'x' }, metadata: { nodeId: 'local', schemaVersion: 1 } }]);
    await store.close();
    const beforeStart = Date.now();

    server = await startServerProcess({ dir, args: ['--admin-port', '0'] });
    const client = new AdminClient(adminPortOf(server));
    await client.loginAndSetPassword(PASSWORD);
    const snapshot = (await client.call('GET', '/api/views/snapshot')).json;
    assert.equal(snapshot.status, 'running', 'the views went on past them');
    assert.equal(snapshot.live.eventStore.unreadableEvents, 2);
    assert.equal(snapshot.totalConnectionsServed, 1, 'only the readable session counted');
    const errors = (await client.call('GET', '/api/views/error-log')).json.lines.map((l: { message?: string; text?: string }) => JSON.stringify(l));
    assert.ok(errors.some((l: string) => /session-newer revision 0\) skipped: written by a newer build \(schema version 99; this build reads up to 1\)/.test(l)), errors.join('\n'));
    assert.ok(errors.some((l: string) => /session-broken revision 0\) skipped: does not match the version 1 schema: clientPort/.test(l)), errors.join('\n'));
    // Connected users as of before the start (a start ends every session before it): the readable
    // session only; the replay reads the same events and reports nothing new.
    const replayed = await client.call('GET', `/api/views/connected-users?at=${beforeStart}`);
    assert.deepEqual(replayed.json.users.map((u: { sessionId: string }) => u.sessionId), ['before']);
    assert.equal((await client.call('GET', '/api/views/snapshot')).json.live.eventStore.unreadableEvents, 2);
  });
});
