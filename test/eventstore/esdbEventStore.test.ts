import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  EventStoreDBClient,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  jsonEvent,
  NO_STREAM,
  STREAM_EXISTS,
} from '@eventstore/db-client';
import { WrongExpectedVersionError } from '../../eventstore/eventStore.js';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { EsdbEventStore } from '../../eventstore/esdb/esdbEventStore.js';
import { startGrpcEventStoreServer, type GrpcEventStoreServer, type GrpcEventStoreServerOptions } from '../../eventstore/grpc/grpcEventStoreServer.js';
import { describeEventStoreContract, ev, Recorder } from './eventStoreContract.js';

/*
 * The EventStoreDB adapter, run through the contract suite against:
 * - the embedded store answering EventStoreDB's gRPC API (eventstore/grpc), with the real
 *   @eventstore/db-client: once as a current server (ServerFeatures lists BatchAppend, so the client
 *   appends through BatchAppend), once as a server without ServerFeatures (the client falls back to
 *   Append);
 * - a real EventStoreDB / KurrentDB when TEST_EVENTSTORE_URL is set (e.g. esdb://localhost:2113?tls=false).
 *
 * One embedded store and endpoint per variant serves all its tests (the contract isolates tests by
 * stream prefix), each test opening its own client.
 */

interface Endpoint {
  store: EmbeddedEventStore;
  server: GrpcEventStoreServer;
  dir: string;
}

async function startEndpoint(options: GrpcEventStoreServerOptions = {}): Promise<Endpoint> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhouse-esdb-'));
  const store = await openEmbeddedEventStore(dir, { syncWrites: false });
  const server = await startGrpcEventStoreServer(store, options);
  return { store, server, dir };
}

async function stopEndpoint(endpoint: Endpoint | undefined): Promise<void> {
  if (endpoint === undefined) return;
  await endpoint.server.close();
  await endpoint.store.close();
  await rm(endpoint.dir, { recursive: true, force: true });
}

function describeOverEndpoint(name: string, options: GrpcEventStoreServerOptions): void {
  describe(name, () => {
    let endpoint: Endpoint | undefined;
    before(async () => {
      endpoint = await startEndpoint(options);
    });
    after(async () => {
      await stopEndpoint(endpoint);
    });
    describeEventStoreContract(name, async () => {
      const store = EsdbEventStore.connect(endpoint!.server.connectionString);
      return { store, cleanup: () => store.close() };
    });
  });
}

describeOverEndpoint('EventStoreDB adapter → embedded gRPC endpoint (BatchAppend)', {});
describeOverEndpoint('EventStoreDB adapter → embedded gRPC endpoint (Append, no ServerFeatures)', { serverFeatures: false });

const realUrl = process.env.TEST_EVENTSTORE_URL;
if (realUrl !== undefined && realUrl !== '') {
  describeEventStoreContract(`EventStoreDB adapter → real EventStoreDB at ${realUrl}`, async () => {
    const store = EsdbEventStore.connect(realUrl);
    return { store, cleanup: () => store.close() };
  });
} else {
  const message = 'SKIPPED: contract against a real EventStoreDB — set TEST_EVENTSTORE_URL=esdb://host:2113?tls=false to run it';
  console.warn(`\n*** ${message} ***\n`);
  describe('EventStoreDB adapter → real EventStoreDB', () => {
    it('runs the contract against a real EventStoreDB', { skip: message }, () => undefined);
  });
}

// ------------------------------------------------------------------ the endpoint, seen by the raw client

describe('embedded gRPC endpoint, seen by @eventstore/db-client', () => {
  let endpoint: Endpoint | undefined;
  let plain: Endpoint | undefined;
  before(async () => {
    endpoint = await startEndpoint();
    plain = await startEndpoint({ serverFeatures: false });
  });
  after(async () => {
    await stopEndpoint(endpoint);
    await stopEndpoint(plain);
  });

  for (const [label, pick] of [
    ['BatchAppend', () => endpoint!],
    ['Append', () => plain!],
  ] as const) {
    it(`answers wrong expected versions the way the client expects (${label})`, async () => {
      const client = EventStoreDBClient.connectionString(pick().server.connectionString);
      try {
        const stream = `wev-${randomUUID()}`;
        const event = (): ReturnType<typeof jsonEvent> => jsonEvent({ type: 'T', data: { a: 1 } });
        await assert.rejects(client.appendToStream(stream, event(), { expectedRevision: STREAM_EXISTS }), (error: unknown) => {
          assert.ok(error instanceof ClientWrongExpectedVersionError);
          assert.equal(error.streamName, stream);
          assert.equal(error.expectedVersion, STREAM_EXISTS);
          assert.equal(error.actualVersion, NO_STREAM);
          return true;
        });
        const first = await client.appendToStream(stream, [event(), event()], { expectedRevision: NO_STREAM });
        assert.equal(first.nextExpectedRevision, 1n);
        assert.ok(first.position !== undefined && first.position.commit === first.position.prepare);
        await assert.rejects(client.appendToStream(stream, event(), { expectedRevision: 0n }), (error: unknown) => {
          assert.ok(error instanceof ClientWrongExpectedVersionError);
          assert.equal(error.expectedVersion, 0n);
          assert.equal(error.actualVersion, 1n);
          return true;
        });
        await assert.rejects(client.appendToStream(stream, event(), { expectedRevision: NO_STREAM }), (error: unknown) => {
          assert.ok(error instanceof ClientWrongExpectedVersionError);
          assert.equal(error.expectedVersion, NO_STREAM);
          assert.equal(error.actualVersion, 1n);
          return true;
        });
      } finally {
        await client.dispose();
      }
    });
  }

  it('sends positions, created times, JSON data and metadata as EventStoreDB does', async () => {
    const client = EventStoreDBClient.connectionString(endpoint!.server.connectionString);
    try {
      const stream = `shape-${randomUUID()}`;
      const id = randomUUID();
      const before = Date.now();
      await client.appendToStream(stream, jsonEvent({ id, type: 'Shaped', data: { n: 1, s: 'é' }, metadata: { correlationId: 'x' } }));
      const events = [];
      for await (const resolved of client.readStream(stream)) events.push(resolved);
      assert.equal(events.length, 1);
      const e = events[0]!.event!;
      assert.equal(e.id, id);
      assert.equal(e.streamId, stream);
      assert.equal(e.revision, 0n);
      assert.equal(e.type, 'Shaped');
      assert.equal(e.isJson, true);
      assert.deepEqual(e.data, { n: 1, s: 'é' });
      assert.deepEqual(e.metadata, { correlationId: 'x' });
      assert.ok(e.created.getTime() >= before - 1000 && e.created.getTime() <= Date.now() + 1000);
      assert.ok(e.position !== undefined && e.position.commit === e.position.prepare);
      const [stored] = await endpoint!.store.readStream(stream);
      assert.equal(e.position.commit, BigInt(stored!.position));
    } finally {
      await client.dispose();
    }
  });

  it('refuses an $all position that is not an event position, like EventStoreDB', async () => {
    const client = EventStoreDBClient.connectionString(endpoint!.server.connectionString);
    try {
      const stream = `pos-${randomUUID()}`;
      await client.appendToStream(stream, [jsonEvent({ type: 'T', data: {} }), jsonEvent({ type: 'T', data: {} })]);
      const [, second] = await endpoint!.store.readStream(stream);
      const read = async (position: number): Promise<number> => {
        let n = 0;
        for await (const _ of client.readAll({ fromPosition: { commit: BigInt(position), prepare: BigInt(position) }, maxCount: 1 })) n++;
        return n;
      };
      assert.equal(await read(second!.position), 1);
      await assert.rejects(read(second!.position - 1));
    } finally {
      await client.dispose();
    }
  });

  it('serves clients that discover the node through Gossip', async () => {
    const client = EventStoreDBClient.connectionString(`esdb+discover://127.0.0.1:${endpoint!.server.port}?tls=false`);
    try {
      const stream = `gossip-${randomUUID()}`;
      const result = await client.appendToStream(stream, jsonEvent({ type: 'T', data: { ok: true } }));
      assert.equal(result.nextExpectedRevision, 0n);
    } finally {
      await client.dispose();
    }
  });

  it('filters subscriptions by event-type prefix and by regex', async () => {
    const store = EsdbEventStore.connect(endpoint!.server.connectionString);
    const client = EventStoreDBClient.connectionString(endpoint!.server.connectionString);
    try {
      const tag = randomUUID().slice(0, 8);
      await store.append(`f-${tag}`, [ev(`Keep${tag}A`, { n: 1 }), ev(`Drop${tag}`, { n: 2 }), ev(`Keep${tag}B`, { n: 3 })]);
      const rec = new Recorder(store.subscribeToAll({ filter: { eventTypes: [`Keep${tag}A`, `Keep${tag}B`] } }));
      try {
        await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
        assert.deepEqual(rec.dataBefore(), [1, 3]);
      } finally {
        rec.unsubscribe();
      }
      const seen: unknown[] = [];
      const subscription = client.subscribeToAll({ filter: { filterOn: 'streamName', regex: `^f-${tag}$`, checkpointInterval: 1 } as never });
      await new Promise<void>((resolve, reject) => {
        subscription.on('data', (resolved) => seen.push((resolved.event!.data as { n: number }).n));
        subscription.on('caughtUp', () => resolve());
        subscription.on('error', reject);
      });
      await subscription.unsubscribe();
      assert.deepEqual(seen, [1, 2, 3]);
    } finally {
      await store.close();
      await client.dispose();
    }
  });

  it('accepts structured and string UUIDs and answers in the form asked for', async () => {
    const { credentials, makeGenericClientConstructor } = await import('@grpc/grpc-js');
    const { serviceDefinition, uuidMessage, uuidToString } = await import('../../eventstore/grpc/protocol.js');
    const Streams = makeGenericClientConstructor(serviceDefinition('event_store.client.streams.Streams'), 'Streams');
    const raw = new Streams(`127.0.0.1:${endpoint!.server.port}`, credentials.createInsecure()) as unknown as {
      Append(callback: (error: Error | null, response: unknown) => void): { write(message: object): void; end(): void };
      Read(request: object): NodeJS.ReadableStream;
      close(): void;
    };
    try {
      const stream = `uuid-${randomUUID()}`;
      const structuredId = randomUUID();
      const stringId = randomUUID();
      const response = await new Promise<unknown>((resolve, reject) => {
        const call = raw.Append((error, value) => (error ? reject(error) : resolve(value)));
        call.write({ options: { stream_identifier: { stream_name: Buffer.from(stream) }, no_stream: {} } });
        for (const [id, structured] of [
          [structuredId, true],
          [stringId, false],
        ] as const) {
          call.write({
            proposed_message: {
              id: uuidMessage(id, structured),
              metadata: { type: 'U', 'content-type': 'application/json' },
              data: Buffer.from('{"u":1}'),
            },
          });
        }
        call.end();
      });
      assert.equal((response as { success?: { current_revision?: string } }).success?.current_revision, '1');
      assert.deepEqual(
        (await endpoint!.store.readStream(stream)).map((e) => e.id),
        [structuredId, stringId],
      );
      const ids: { value?: string; id: string | undefined }[] = [];
      const read = raw.Read({
        options: {
          stream: { stream_identifier: { stream_name: Buffer.from(stream) }, start: {} },
          count: '10',
          no_filter: {},
          uuid_option: { structured: {} },
        },
      });
      for await (const message of read as AsyncIterable<{ event?: { event: { id: import('../../eventstore/grpc/protocol.js').Uuid } } }>) {
        if (message.event !== undefined) ids.push({ ...(message.event.event.id.value === undefined ? {} : { value: message.event.event.id.value }), id: uuidToString(message.event.event.id) });
      }
      assert.deepEqual(ids, [
        { value: 'structured', id: structuredId },
        { value: 'structured', id: stringId },
      ]);
    } finally {
      raw.close();
    }
  });

  it('lets a live subscriber that stops reading fall behind, then catches it up without gaps or duplicates', async () => {
    const slow = await startEndpoint({ liveBufferLimit: 20 });
    const { credentials, makeGenericClientConstructor } = await import('@grpc/grpc-js');
    const { serviceDefinition } = await import('../../eventstore/grpc/protocol.js');
    const Streams = makeGenericClientConstructor(serviceDefinition('event_store.client.streams.Streams'), 'Streams');
    const raw = new Streams(`127.0.0.1:${slow.server.port}`, credentials.createInsecure()) as unknown as {
      Read(request: object): NodeJS.ReadableStream & { cancel(): void };
      close(): void;
    };
    type Message = { event?: { event: { data: Buffer } }; caught_up?: object; fell_behind?: object; confirmation?: object };
    const p = `slow-${randomUUID().slice(0, 8)}-`;
    const call = raw.Read({
      options: {
        all: { start: {} },
        subscription: {},
        filter: { stream_identifier: { prefix: [p] }, count: {}, checkpointIntervalMultiplier: 1 },
        uuid_option: { string: {} },
      },
    });
    const kinds: string[] = [];
    const ns: number[] = [];
    let caughtUp = 0;
    call.on('data', (m: Message) => {
      if (m.event !== undefined) ns.push((JSON.parse(m.event.event.data.toString('utf8')) as { n: number }).n);
      else if (m.caught_up !== undefined) caughtUp++;
      kinds.push(m.event !== undefined ? 'event' : Object.keys(m).find((k) => k !== 'content') ?? '?');
    });
    call.on('error', () => undefined);
    try {
      const waitUntil = async (condition: () => boolean, what: string): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${kinds.slice(-5).join(',')}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await waitUntil(() => caughtUp === 1, 'caught_up');
      call.pause();
      const total = 3000;
      const pad = 'p'.repeat(2000);
      for (let b = 0; b < total / 100; b++) {
        await slow.store.append(`${p}s`, Array.from({ length: 100 }, (_, i) => ev('Big', { n: b * 100 + i, pad })));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      call.resume();
      await waitUntil(() => ns.length >= total && caughtUp >= 2, `${total} events and a second caught_up`);
      assert.deepEqual(
        ns,
        Array.from({ length: total }, (_, i) => i),
      );
      assert.ok(kinds.includes('fell_behind'), 'the server reported falling behind');
    } finally {
      call.cancel();
      raw.close();
      await stopEndpoint(slow);
    }
  });

  it('maps the port errors of the adapter', async () => {
    const store = EsdbEventStore.connect(endpoint!.server.connectionString);
    try {
      const stream = `err-${randomUUID()}`;
      await store.append(stream, [ev('A')], 'no_stream');
      await assert.rejects(store.append(stream, [ev('A')], 5), (error: unknown) => {
        assert.ok(error instanceof WrongExpectedVersionError);
        assert.equal(error.expected, 5);
        assert.equal(error.actual, 0);
        return true;
      });
      // An empty append reports the stream's end and still checks the expected revision.
      assert.deepEqual(await store.append(stream, [], 0), { nextExpectedRevision: 0, position: (await store.readStream(stream))[0]!.position });
      await assert.rejects(store.append(stream, [], 'no_stream'), WrongExpectedVersionError);
      await store.close();
      await assert.rejects(store.readStream(stream), /closed/);
    } finally {
      await store.close();
    }
  });
});
