import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { connectedUsersAt } from '../../domain/projections/connectedUsers.js';
import { LiveViews } from '../../adapters/admin/liveViews.js';
import { runEventsCommand } from '../../adapters/cli/eventsCommand.js';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../eventstore/embedded/index.js';
import type { EventToAppend } from '../../eventstore/eventStore.js';
import { UpcastingReader, type SkippedEvent } from '../../eventstore/upcastingReader.js';
import { testUpcasters } from '../helpers/testUpcasters.js';

/**
 * Old events read back through the upcasting reader: raw events in old shapes are appended
 * to a real embedded store (as an older build would have left them), and the projections,
 * the live admin view and `streamhouse events` fold them in today's shape; what cannot be
 * read is left out, reported once and counted, and never stops the fold.
 */
const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhouse-upcast-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const raw = (type: string, data: unknown, schemaVersion?: unknown): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { nodeId: 'old', time: new Date().toISOString(), ...(schemaVersion === undefined ? {} : { schemaVersion }) },
});

const opened = (id: string) => ({ sessionId: id, clientAddress: '192.0.2.7', clientPort: 5004, serverAddress: '192.0.2.1', userAgent: 'VLC', url: `rtsp://h/${id}.mp4`, path: `${id}.mp4` });
const transport = { trackId: 1, transport: 'TCP', clientRtpPort: null, clientRtcpPort: null, interleaved: [0, 1], ssrc: '0000ABCD' };

describe('upcasting reader over the embedded store (test registry: today is version 3)', () => {
  /** A store as a mix of builds left it: versions 1, 2 and 3, one from a newer build, one invalid. */
  async function mixedStore(): Promise<EmbeddedEventStore> {
    const store = await openEmbeddedEventStore(await tempDir(), { syncWrites: false });
    await store.append('session-old', [
      raw('SessionOpened', { sessionId: 'old', client: '198.51.100.4:6970', serverAddress: '192.0.2.1', userAgent: '', url: 'rtsp://h/old.mp4', path: 'old.mp4' }, 1),
      raw('SessionTransportSetUp', transport, 1),
      raw('SessionPlaying', { rangeStart: 0, rangeEnd: null }, 1),
    ]);
    // Written before versions were recorded: version 1.
    await store.append('session-unversioned', [raw('SessionOpened', { sessionId: 'unversioned', client: '203.0.113.9:7000', serverAddress: '192.0.2.1', userAgent: 'ffmpeg', url: 'rtsp://h/u.mp4', path: 'u.mp4' })]);
    await store.append('session-old', [raw('SessionSampled', { bytes: 250_000, packets: 200, loss: 0.02 }, 2)]);
    await store.append('session-today', [raw('SessionOpened', opened('today'), 3), raw('SessionPlaying', { rangeStart: null, rangeEnd: null }, 3)]);
    await store.append('session-future', [raw('SessionOpened', { ...opened('future'), clientIdentity: 'x' }, 4)]);
    await store.append('session-broken', [raw('SessionOpened', { ...opened('broken'), clientPort: 'http' }, 3)]);
    await store.append('session-future', [raw('SessionPlaying', { rangeStart: 0, rangeEnd: null }, 3)]);
    return store;
  }

  it('folds old shapes into the connected-users projection; skips, reports once and counts what it cannot read', async () => {
    const store = await mixedStore();
    const skipped: Array<[SkippedEvent, number]> = [];
    const reader = new UpcastingReader(store, { registry: testUpcasters, onSkip: (s, n) => skipped.push([s, n]) });
    try {
      // The store itself stays raw.
      const stored = await store.readAll();
      assert.equal(stored.length, 10);
      assert.deepEqual(Object.keys(stored[0]!.data as object).sort(), ['client', 'path', 'serverAddress', 'sessionId', 'url', 'userAgent']);

      const events = await reader.readAll();
      assert.equal(events.length, 8);
      assert.ok(events.every((e) => e.metadata.schemaVersion === 3));
      const view = connectedUsersAt(events);
      const users = [...view.users.values()].map((u) => ({ id: u.sessionId, address: u.clientAddress, agent: u.userAgent, state: u.state, transport: u.transport, bytes: u.bytesSent, loss: u.lossPercent }));
      assert.deepEqual(users, [
        { id: 'old', address: '198.51.100.4', agent: null, state: 'playing', transport: 'TCP', bytes: 250_000, loss: 2 },
        { id: 'unversioned', address: '203.0.113.9', agent: 'ffmpeg', state: 'described', transport: null, bytes: 0, loss: null },
        { id: 'today', address: '192.0.2.7', agent: 'VLC', state: 'playing', transport: null, bytes: 0, loss: null },
      ]);
      assert.deepEqual(
        skipped.map(([s, n]) => [s.stream, s.revision, s.reason, n]),
        [
          ['session-future', 0, 'newer-version', 1],
          ['session-broken', 0, 'invalid', 2],
        ],
      );
      assert.match(skipped[1]![0].message, /clientPort/);
      assert.equal(reader.skipped, 2);

      // Read again (another fold, a replay "as of"): the same events left out, not reported again.
      assert.equal((await reader.readAll()).length, 8);
      assert.equal(skipped.length, 2);
      assert.equal(reader.skipped, 2);
    } finally {
      await store.close();
    }
  });

  it('feeds the live admin view the same, during catch-up and after it', async () => {
    const store = await mixedStore();
    const reader = new UpcastingReader(store, { registry: testUpcasters });
    const views = new LiveViews();
    try {
      await views.start(reader);
      const caughtUp = views.present('connected-users').users.map((u) => [u.sessionId, u.clientAddress, u.state]);
      assert.deepEqual(caughtUp, [
        ['old', '198.51.100.4', 'playing'],
        ['unversioned', '203.0.113.9', 'described'],
        ['today', '192.0.2.7', 'playing'],
      ]);
      assert.equal(reader.skipped, 2);
      // Live: an old-shape event appended now is upcast too; one from a newer build is left out.
      const followed = firstValueFrom(
        reader.subscribeToAll({ afterPosition: (await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]!.position }).pipe(
          filter((item) => item.kind === 'event'),
          take(1),
          toArray(),
        ),
      );
      await store.append('session-late', [raw('SessionOpened', { ...opened('late'), userAgent: 'x' }, 4)]);
      await store.append('session-late2', [raw('SessionOpened', { sessionId: 'late2', client: '198.51.100.77:5000', serverAddress: '192.0.2.1', userAgent: '', url: 'rtsp://h/l.mp4', path: 'l.mp4' }, 1)]);
      const [live] = await followed;
      assert.ok(live?.kind === 'event');
      assert.equal(live.event.stream, 'session-late2');
      assert.deepEqual(live.event.data, { sessionId: 'late2', clientAddress: '198.51.100.77', clientPort: 5000, serverAddress: '192.0.2.1', userAgent: null, url: 'rtsp://h/l.mp4', path: 'l.mp4' });
      const deadline = Date.now() + 5000;
      while (!views.present('connected-users').users.some((u) => u.sessionId === 'late2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        views.present('connected-users').users.map((u) => u.sessionId),
        ['old', 'unversioned', 'today', 'late2'],
      );
      assert.equal(reader.skipped, 3);
    } finally {
      views.stop();
      await store.close();
    }
  });
});

describe('streamhouse events over a store of unversioned, newer and invalid events (this build\'s registry)', () => {
  it('replays and exports what it can read, warns about the rest, and --raw shows everything as stored', async () => {
    const data = await tempDir();
    const store = await openEmbeddedEventStore(join(data, 'events'), { syncWrites: false });
    await store.append('session-s1', [raw('SessionOpened', opened('s1')), raw('SessionTransportSetUp', { ...transport, transport: 'UDP', clientRtpPort: 5000, clientRtcpPort: 5001, interleaved: null })]);
    await store.append('session-s2', [raw('SessionOpened', opened('s2'), 99)]);
    await store.append('session-s3', [raw('SessionOpened', { ...opened('s3'), clientPort: -1 }, 1)]);
    await store.append('session-s1', [raw('SessionPlaying', { rangeStart: 0, rangeEnd: null })]);
    await store.close();

    let out = '';
    let err = '';
    const run = (args: string[]) => {
      out = '';
      err = '';
      return runEventsCommand([...args, '--data', data], (t) => (out += t), (t) => (err += t));
    };

    assert.equal(await run(['replay', 'connected-users']), 0, err);
    const replay = JSON.parse(out) as { users: Array<{ sessionId: string; state: string; transport: string }> };
    assert.deepEqual(replay.users.map((u) => [u.sessionId, u.state, u.transport]), [['s1', 'playing', 'UDP']]);
    const warnings = err.trim().split('\n');
    assert.equal(warnings.length, 2, err);
    assert.match(warnings[0]!, /^streamhouse events: warning: event at position \d+ \(SessionOpened, session-s2 revision 0\) skipped: written by a newer build \(schema version 99; this build reads up to 1\)$/);
    assert.match(warnings[1]!, /^streamhouse events: warning: event at position \d+ \(SessionOpened, session-s3 revision 0\) skipped: does not match the version 1 schema: clientPort: /);

    assert.equal(await run(['export']), 0, err);
    const exported = out.trim().split('\n').map((l) => JSON.parse(l) as { stream: string; metadata: Record<string, unknown> });
    assert.deepEqual(exported.map((e) => e.stream), ['session-s1', 'session-s1', 'session-s1']);
    assert.ok(exported.every((e) => e.metadata.schemaVersion === 1), 'shown in the version they are read as');
    assert.equal(err.trim().split('\n').length, 2);

    assert.equal(await run(['export', '--raw']), 0, err);
    const stored = out.trim().split('\n').map((l) => JSON.parse(l) as { stream: string; metadata: Record<string, unknown> });
    assert.deepEqual(stored.map((e) => [e.stream, e.metadata.schemaVersion]), [
      ['session-s1', undefined],
      ['session-s1', undefined],
      ['session-s2', 99],
      ['session-s3', 1],
      ['session-s1', undefined],
    ]);
    assert.equal(err, '');
  });
});
