import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WrongExpectedVersionError, type EventStore, type RecordedEvent } from '../../eventstore/eventStore.js';
import { EmbeddedEventStore, openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { EsdbEventStore } from '../../eventstore/esdb/esdbEventStore.js';
import { startGrpcEventStoreServer, type GrpcEventStoreServer } from '../../eventstore/grpc/grpcEventStoreServer.js';
import { openEventStore } from '../../eventstore/openEventStore.js';
import { OutboxEventStore, openOutboxEventStore, type OutboxOptions, type RemoteState } from '../../eventstore/outbox/outboxEventStore.js';
import { describeEventStoreContract, ev } from './eventStoreContract.js';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhouse-outbox-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A free loopback port, released again: nothing listens there until the test starts the endpoint. */
async function reservePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const fast: OutboxOptions = { initialRetryDelayMs: 20, maxRetryDelayMs: 150, healthCheckMs: 0 };

/** The remote side: an embedded store behind the gRPC endpoint, started on demand on a fixed port. */
class Remote {
  store!: EmbeddedEventStore;
  server: GrpcEventStoreServer | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async create(): Promise<Remote> {
    const remote = new Remote(await reservePort(), await tempDir());
    remote.store = await openEmbeddedEventStore(remote.dir, { syncWrites: false });
    return remote;
  }

  get url(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  async start(): Promise<void> {
    this.server = await startGrpcEventStoreServer(this.store, { port: this.port });
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.store.close();
  }
}

function remoteStates(outbox: OutboxEventStore): RemoteState[] {
  const states: RemoteState[] = [];
  outbox.status$.subscribe((s) => {
    if (states[states.length - 1] !== s.remote) states.push(s.remote);
  });
  return states;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Local events (of streams starting with prefix) as they must appear on the remote. */
function shape(events: readonly RecordedEvent[]): unknown[] {
  return events.map((e) => ({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, data: e.data, metadata: e.metadata }));
}

describe('outbox: embedded store forwarding to EventStoreDB (the gRPC endpoint)', () => {
  it('acknowledges appends locally while the remote is down, then delivers each event once, in order', async () => {
    const remote = await Remote.create();
    const local = await openEmbeddedEventStore(await tempDir(), { syncWrites: false });
    const dir = await tempDir();
    const opened = Date.now();
    const outbox = await openOutboxEventStore(local, EsdbEventStore.connect(remote.url), { ...fast, pageSize: 10, checkpointFile: join(dir, 'cp.json') });
    const states = remoteStates(outbox);
    const p = `o${randomUUID().slice(0, 8)}-`;
    try {
      // Interleaved appends to three streams, with expected revisions checked locally.
      const written: number[] = [0, 0, 0];
      for (let round = 0; round < 6; round++) {
        for (let s = 0; s < 3; s++) {
          const expected = written[s] === 0 ? 'no_stream' : written[s]! - 1;
          const result = await outbox.append(`${p}s${s}`, [ev('E', { s, round, i: 0 }), ev('E', { s, round, i: 1 }, { round })], expected);
          written[s]! += 2;
          assert.equal(result.nextExpectedRevision, written[s]! - 1);
        }
      }
      await assert.rejects(outbox.append(`${p}s0`, [ev('E')], 0), WrongExpectedVersionError);
      const localEvents = await outbox.readAll({ filter: { streamPrefixes: [p] } });
      assert.equal(localEvents.length, 36, 'reads are served locally');
      await waitFor(() => outbox.status.remote === 'unreachable' && outbox.status.lastError !== undefined, 'a failed forward');
      assert.equal(outbox.status.pending, 36);
      const unreachableSince = outbox.status.since;
      assert.ok(unreachableSince >= opened && unreachableSince <= Date.now(), 'unreachable since the open');

      const startedRemote = Date.now();
      await remote.start();
      await outbox.whenDrained(15_000);
      const { since, ...status } = outbox.status;
      assert.deepEqual(status, { remote: 'connected', pending: 0, lastError: undefined });
      assert.ok(since >= startedRemote && since <= Date.now(), 'connected since the remote came up');
      assert.deepEqual(states.slice(states.indexOf('unreachable')), ['unreachable', 'catching-up', 'connected']);

      // Read back through the remote: every event once, in the local order, at the same revisions.
      const reader = EsdbEventStore.connect(remote.url);
      try {
        const remoteEvents = await reader.readAll({ filter: { streamPrefixes: [p] } });
        assert.deepEqual(shape(remoteEvents), shape(localEvents));
        for (let s = 0; s < 3; s++) {
          assert.deepEqual(shape(await reader.readStream(`${p}s${s}`)), shape(await outbox.readStream(`${p}s${s}`)));
        }
      } finally {
        await reader.close();
      }

      // Live: a new append reaches the remote too.
      await outbox.append(`${p}s0`, [ev('E', { late: true })], 11);
      await waitFor(() => outbox.status.pending === 0, 'the late event forwarded');
      assert.equal((await remote.store.readStream(`${p}s0`)).length, 13);
    } finally {
      await outbox.close();
      await remote.close();
    }
  });

  it('keeps what is pending across a restart, and re-sending after a lost checkpoint stores nothing twice', async () => {
    const remote = await Remote.create();
    const localDir = await tempDir();
    const checkpointFile = join(await tempDir(), 'cp.json');
    const p = `r${randomUUID().slice(0, 8)}-`;

    // 1. Remote up: forward a first batch with small pages, so the runs sent are short.
    await remote.start();
    let outbox = await openOutboxEventStore(await openEmbeddedEventStore(localDir, { syncWrites: false }), EsdbEventStore.connect(remote.url), {
      ...fast,
      pageSize: 2,
      checkpointFile,
    });
    await outbox.append(`${p}a`, [ev('A', { n: 1 }), ev('A', { n: 2 }), ev('A', { n: 3 })], 'no_stream');
    await outbox.whenDrained();
    // 2. Remote down: more events stay pending through a restart.
    await remote.stop();
    await outbox.append(`${p}a`, [ev('A', { n: 4 }), ev('A', { n: 5 })], 2);
    await outbox.append(`${p}b`, [ev('B', { n: 6 })], 'no_stream');
    await outbox.close();

    // 3. The checkpoint is lost: the restarted outbox re-sends everything, in longer runs that
    //    overlap what the remote already has; the remote recognises the overlap.
    await unlink(checkpointFile);
    outbox = await openOutboxEventStore(await openEmbeddedEventStore(localDir, { syncWrites: false }), EsdbEventStore.connect(remote.url), {
      ...fast,
      pageSize: 100,
      checkpointFile,
    });
    try {
      assert.equal(outbox.status.pending, 6);
      await remote.start();
      await outbox.whenDrained(15_000);
      const remoteEvents = await remote.store.readAll({ filter: { streamPrefixes: [p] } });
      assert.deepEqual(
        remoteEvents.map((e) => (e.data as { n: number }).n),
        [1, 2, 3, 4, 5, 6],
      );
      assert.deepEqual(shape(remoteEvents), shape(await outbox.readAll({ filter: { streamPrefixes: [p] } })));
    } finally {
      await outbox.close();
      await remote.close();
    }
  });

  it('stops at a stream another writer changed on the remote, and says so', async () => {
    const remote = await Remote.create();
    await remote.start();
    const local = await openEmbeddedEventStore(await tempDir(), { syncWrites: false });
    const outbox = await openOutboxEventStore(local, EsdbEventStore.connect(remote.url), fast);
    const p = `x${randomUUID().slice(0, 8)}-`;
    try {
      await remote.store.append(`${p}s`, [ev('Foreign')], 'no_stream');
      await outbox.append(`${p}s`, [ev('Mine')], 'no_stream');
      await outbox.append(`${p}t`, [ev('Later')], 'no_stream');
      await waitFor(() => /conflict/.test(outbox.status.lastError ?? ''), 'the conflict reported');
      assert.equal(outbox.status.pending, 2, 'nothing after the conflict is forwarded either');
      assert.equal(outbox.status.remote, 'catching-up');
      assert.deepEqual(
        (await remote.store.readStream(`${p}s`)).map((e) => e.type),
        ['Foreign'],
      );
      assert.deepEqual(await remote.store.readStream(`${p}t`), []);
    } finally {
      await outbox.close();
      await remote.close();
    }
  });
});

// The outbox is an EventStore too: the contract holds for it (served by its local store while forwarding).
describe('outbox contract', () => {
  let remote: Remote | undefined;
  after(async () => {
    await remote?.close();
  });
  describeEventStoreContract('outbox (embedded → gRPC endpoint)', async () => {
    if (remote === undefined) {
      remote = await Remote.create();
      await remote.start();
    }
    const outbox = await openOutboxEventStore(
      await openEmbeddedEventStore(await tempDir(), { syncWrites: false }),
      EsdbEventStore.connect(remote.url),
      fast,
    );
    return { store: outbox, cleanup: () => outbox.close() };
  });
});

describe('openEventStore', () => {
  const saved = process.env.EVENTSTORE_URL;
  after(() => {
    if (saved === undefined) delete process.env.EVENTSTORE_URL;
    else process.env.EVENTSTORE_URL = saved;
  });

  it('opens the embedded store alone without a connection string', async () => {
    delete process.env.EVENTSTORE_URL;
    const store = await openEventStore({ dataFolder: await tempDir() });
    try {
      assert.ok(store instanceof EmbeddedEventStore);
      await store.append('s', [ev('A')]);
    } finally {
      await store.close();
    }
  });

  it('opens the outbox over EventStoreDB with a connection string, from the option or EVENTSTORE_URL', async () => {
    const remote = await Remote.create();
    await remote.start();
    try {
      for (const how of ['option', 'env'] as const) {
        const dataFolder = await tempDir();
        if (how === 'env') process.env.EVENTSTORE_URL = remote.url;
        else delete process.env.EVENTSTORE_URL;
        const store: EventStore = await openEventStore({ dataFolder, ...(how === 'option' ? { connectionString: remote.url } : {}) });
        try {
          assert.ok(store instanceof OutboxEventStore);
          const stream = `f-${randomUUID()}`;
          await store.append(stream, [ev('A')], 'no_stream');
          await store.whenDrained();
          assert.equal((await remote.store.readStream(stream)).length, 1);
        } finally {
          await store.close();
        }
      }
    } finally {
      await remote.close();
    }
  });
});
