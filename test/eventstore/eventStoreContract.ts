import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Observable, Subscription } from 'rxjs';
import {
  WrongExpectedVersionError,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type SubscriptionItem,
} from '../../eventstore/eventStore.js';

/*
 * The EventStore contract: every adapter (the embedded store, EventStoreDB over gRPC) must pass it.
 *
 * Written so that it can run against a shared, long-lived server: every test works in streams named
 * with a fresh random prefix, reads $all only through a stream-prefix filter, and never assumes the
 * store is empty or that positions are contiguous (only strictly increasing).
 *
 * `open` is called before every test; `cleanup` after it, and must tolerate a store the test has
 * already closed (one test checks that subscriptions complete on close()).
 */
export function describeEventStoreContract(
  name: string,
  open: () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>,
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;
    /** Unique per test: stream names start with it. */
    let p: string;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      p = `c${randomUUID().slice(0, 8)}-`;
    });

    afterEach(async () => {
      await cleanup();
    });

    const mine = (): { streamPrefixes: string[] } => ({ streamPrefixes: [p] });

    describe('append and readStream', () => {
      it('stores events with ids, types, data, metadata, revisions, positions and recordedAt', async () => {
        const before = Date.now();
        const events = [
          ev('OrderPlaced', { order: 1, lines: [{ sku: 'a', qty: 2 }], note: 'héllo ✓' }, { correlationId: 'c-1' }),
          ev('OrderPaid', { amount: 12.5, paid: true, by: null }),
          ev('OrderShipped', 'a string payload'),
        ];
        const result = await store.append(`${p}order-1`, events, 'no_stream');
        const read = await store.readStream(`${p}order-1`);
        assert.equal(read.length, 3);
        read.forEach((e, i) => {
          assert.equal(e.id, events[i]!.id);
          assert.equal(e.type, events[i]!.type);
          assert.deepEqual(e.data, events[i]!.data);
          assert.equal(e.stream, `${p}order-1`);
          assert.equal(e.revision, i);
          assert.ok(e.recordedAt >= before - 5_000 && e.recordedAt <= Date.now() + 5_000, 'recordedAt is a recent epoch-ms time');
        });
        assert.deepEqual(read[0]!.metadata, { correlationId: 'c-1' });
        assert.deepEqual(read[1]!.metadata, {}, 'metadata defaults to {}');
        assertStrictlyIncreasing(read.map((e) => e.position));
        assert.deepEqual(result, { nextExpectedRevision: 2, position: read[2]!.position });
      });

      it('returns the last revision and position, and positions grow across appends and streams', async () => {
        const r1 = await store.append(`${p}a`, [ev('A'), ev('A')]);
        const r2 = await store.append(`${p}b`, [ev('B')]);
        const r3 = await store.append(`${p}a`, [ev('A')]);
        assert.equal(r1.nextExpectedRevision, 1);
        assert.equal(r2.nextExpectedRevision, 0);
        assert.equal(r3.nextExpectedRevision, 2);
        assert.ok(r1.position < r2.position && r2.position < r3.position);
        const a = await store.readStream(`${p}a`);
        assert.deepEqual(
          a.map((e) => e.revision),
          [0, 1, 2],
        );
        assert.equal(a[2]!.position, r3.position);
      });

      it('reads forwards and backwards with fromRevision and maxCount', async () => {
        const stream = `${p}s`;
        await store.append(stream, Array.from({ length: 10 }, (_, i) => ev('N', { i })));
        const revs = (events: RecordedEvent[]): number[] => events.map((e) => e.revision);
        assert.deepEqual(revs(await store.readStream(stream)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.deepEqual(revs(await store.readStream(stream, { fromRevision: 4 })), [4, 5, 6, 7, 8, 9]);
        assert.deepEqual(revs(await store.readStream(stream, { fromRevision: 4, maxCount: 3 })), [4, 5, 6]);
        assert.deepEqual(revs(await store.readStream(stream, { maxCount: 2 })), [0, 1]);
        assert.deepEqual(revs(await store.readStream(stream, { fromRevision: 10 })), []);
        assert.deepEqual(revs(await store.readStream(stream, { direction: 'backwards' })), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        assert.deepEqual(revs(await store.readStream(stream, { direction: 'backwards', maxCount: 3 })), [9, 8, 7]);
        assert.deepEqual(revs(await store.readStream(stream, { direction: 'backwards', fromRevision: 5, maxCount: 3 })), [5, 4, 3]);
        assert.deepEqual(revs(await store.readStream(stream, { direction: 'backwards', fromRevision: 1, maxCount: 5 })), [1, 0]);
        assert.deepEqual(revs(await store.readStream(stream, { direction: 'backwards', fromRevision: 0 })), [0]);
        const data = (await store.readStream(stream, { fromRevision: 7, maxCount: 1 }))[0]!.data;
        assert.deepEqual(data, { i: 7 });
      });

      it('reads a stream that does not exist as empty', async () => {
        assert.deepEqual(await store.readStream(`${p}nothing-here`), []);
        assert.deepEqual(await store.readStream(`${p}nothing-here`, { direction: 'backwards' }), []);
      });
    });

    describe('expected revision', () => {
      it("'no_stream' succeeds on a new stream and fails on an existing one", async () => {
        await store.append(`${p}s`, [ev('A')], 'no_stream');
        await assertWrongVersion(store.append(`${p}s`, [ev('A')], 'no_stream'), `${p}s`, 'no_stream', 0);
      });

      it("'stream_exists' fails on a missing stream and succeeds on an existing one", async () => {
        await assertWrongVersion(store.append(`${p}s`, [ev('A')], 'stream_exists'), `${p}s`, 'stream_exists', -1);
        await store.append(`${p}s`, [ev('A')]);
        const r = await store.append(`${p}s`, [ev('A')], 'stream_exists');
        assert.equal(r.nextExpectedRevision, 1);
      });

      it('an exact revision succeeds only when it is the revision of the last event', async () => {
        await assertWrongVersion(store.append(`${p}s`, [ev('A')], 0), `${p}s`, 0, -1);
        await store.append(`${p}s`, [ev('A'), ev('A')], 'no_stream');
        await assertWrongVersion(store.append(`${p}s`, [ev('A')], 0), `${p}s`, 0, 1);
        await assertWrongVersion(store.append(`${p}s`, [ev('A')], 2), `${p}s`, 2, 1);
        const r = await store.append(`${p}s`, [ev('A')], 1);
        assert.equal(r.nextExpectedRevision, 2);
        const r2 = await store.append(`${p}s`, [ev('A'), ev('A')], 2);
        assert.equal(r2.nextExpectedRevision, 4);
      });

      it("'any' and the default never conflict", async () => {
        await store.append(`${p}s`, [ev('A')], 'any');
        await store.append(`${p}s`, [ev('A')]);
        const r = await store.append(`${p}s`, [ev('A')], 'any');
        assert.equal(r.nextExpectedRevision, 2);
      });

      it('a rejected append stores nothing', async () => {
        await store.append(`${p}s`, [ev('A')], 'no_stream');
        await assert.rejects(store.append(`${p}s`, [ev('B'), ev('B')], 5), WrongExpectedVersionError);
        await assert.rejects(store.append(`${p}t`, [ev('B')], 'stream_exists'), WrongExpectedVersionError);
        assert.deepEqual(
          (await store.readStream(`${p}s`)).map((e) => e.type),
          ['A'],
        );
        assert.deepEqual(await store.readStream(`${p}t`), []);
        assert.deepEqual(
          (await store.readAll({ filter: mine() })).map((e) => e.type),
          ['A'],
        );
      });

      it('of concurrent appends expecting the same revision exactly one wins', async () => {
        await store.append(`${p}s`, [ev('A')], 'no_stream');
        const attempts = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.append(`${p}s`, [ev('B', { i })], 0)));
        const won = attempts.filter((a) => a.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const a of attempts) if (a.status === 'rejected') assert.ok(a.reason instanceof WrongExpectedVersionError);
        assert.equal((await store.readStream(`${p}s`)).length, 2);

        const creators = await Promise.allSettled(Array.from({ length: 5 }, () => store.append(`${p}new`, [ev('C')], 'no_stream')));
        assert.equal(creators.filter((a) => a.status === 'fulfilled').length, 1);
        assert.equal((await store.readStream(`${p}new`)).length, 1);
      });
    });

    describe('idempotent retries', () => {
      it('retrying an append with the same ids returns the original result and stores nothing again', async () => {
        const batch = [ev('A'), ev('B'), ev('C')];
        const first = await store.append(`${p}s`, batch, 'no_stream');
        const again = await store.append(`${p}s`, batch, 'no_stream');
        assert.deepEqual(again, first);
        const anyRetry = await store.append(`${p}s`, batch, 'any');
        assert.deepEqual(anyRetry, first);
        const events = await store.readStream(`${p}s`);
        assert.deepEqual(
          events.map((e) => e.id),
          batch.map((e) => e.id),
        );
        assert.equal((await store.readAll({ filter: mine() })).length, 3);
      });

      it('a retry with the original expected revision is recognised after the stream moved on', async () => {
        await store.append(`${p}s`, [ev('A')], 'no_stream');
        const batch = [ev('B'), ev('B')];
        const first = await store.append(`${p}s`, batch, 0);
        await store.append(`${p}s`, [ev('C')], 2);
        const retry = await store.append(`${p}s`, batch, 0);
        assert.deepEqual(retry, first);
        assert.deepEqual(
          (await store.readStream(`${p}s`)).map((e) => e.type),
          ['A', 'B', 'B', 'C'],
        );
      });

      it('concurrent duplicates of one append store it once', async () => {
        const batch = [ev('A'), ev('A')];
        const results = await Promise.all([store.append(`${p}s`, batch, 'any'), store.append(`${p}s`, batch, 'any'), store.append(`${p}s`, batch, 'any')]);
        assert.deepEqual(results[1], results[0]);
        assert.deepEqual(results[2], results[0]);
        assert.equal((await store.readStream(`${p}s`)).length, 2);
      });
    });

    describe('readAll', () => {
      async function seed(): Promise<RecordedEvent[]> {
        await store.append(`${p}order-1`, [ev('OrderPlaced', { n: 1 }), ev('OrderPaid', { n: 2 })]);
        await store.append(`${p}user-1`, [ev('UserJoined', { n: 3 })]);
        await store.append(`${p}order-2`, [ev('OrderPlaced', { n: 4 })]);
        await store.append(`${p}order-1`, [ev('OrderShipped', { n: 5 })]);
        await store.append(`${p}user-1`, [ev('UserLeft', { n: 6 })]);
        return store.readAll({ filter: mine() });
      }
      const ns = (events: RecordedEvent[]): number[] => events.map((e) => (e.data as { n: number }).n);

      it('reads forwards in global order, filtered to stream prefixes', async () => {
        const all = await seed();
        assert.deepEqual(ns(all), [1, 2, 3, 4, 5, 6]);
        assertStrictlyIncreasing(all.map((e) => e.position));
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [`${p}order-`] } })), [1, 2, 4, 5]);
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [`${p}user-`, `${p}order-2`] } })), [3, 4, 6]);
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [`${p}nobody`] } })), []);
      });

      it('reads backwards as the exact reverse', async () => {
        const all = await seed();
        const back = await store.readAll({ direction: 'backwards', filter: mine() });
        assert.deepEqual(back, [...all].reverse());
      });

      it('filters by event type, alone and with stream prefixes', async () => {
        await seed();
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [p], eventTypes: ['OrderPlaced'] } })), [1, 4]);
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [p], eventTypes: ['OrderPlaced', 'UserLeft'] } })), [1, 4, 6]);
        assert.deepEqual(ns(await store.readAll({ filter: { streamPrefixes: [`${p}order-1`], eventTypes: ['OrderPlaced', 'UserLeft'] } })), [1]);
        assert.deepEqual(
          ns(await store.readAll({ direction: 'backwards', filter: { streamPrefixes: [p], eventTypes: ['OrderPlaced', 'OrderShipped'] } })),
          [5, 4, 1],
        );
        const uniqueType = `T${randomUUID()}`;
        await store.append(`${p}x`, [ev(uniqueType, { n: 7 })]);
        assert.deepEqual(ns(await store.readAll({ filter: { eventTypes: [uniqueType] } })), [7]);
      });

      it('starts at fromPosition inclusively in both directions and honours maxCount', async () => {
        const all = await seed();
        const third = all[2]!.position;
        assert.deepEqual(ns(await store.readAll({ fromPosition: third, filter: mine() })), [3, 4, 5, 6]);
        assert.deepEqual(ns(await store.readAll({ fromPosition: third, maxCount: 2, filter: mine() })), [3, 4]);
        assert.deepEqual(ns(await store.readAll({ fromPosition: third + 1, maxCount: 1, filter: mine() })), [4]);
        assert.deepEqual(ns(await store.readAll({ direction: 'backwards', fromPosition: third, filter: mine() })), [3, 2, 1]);
        assert.deepEqual(ns(await store.readAll({ direction: 'backwards', fromPosition: third, maxCount: 2, filter: mine() })), [3, 2]);
        assert.deepEqual(ns(await store.readAll({ direction: 'backwards', fromPosition: third - 1, maxCount: 1, filter: mine() })), [2]);
        assert.deepEqual(ns(await store.readAll({ maxCount: 2, filter: mine() })), [1, 2]);
        assert.deepEqual(ns(await store.readAll({ direction: 'backwards', maxCount: 2, filter: mine() })), [6, 5]);
        assert.deepEqual(ns(await store.readAll({ fromPosition: all[5]!.position + 1, filter: mine() })), []);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, marks caughtUp, then delivers live events in order', async () => {
        await store.append(`${p}a`, [ev('X', { n: 1 }), ev('X', { n: 2 })]);
        await store.append(`${p}b`, [ev('X', { n: 3 })]);
        const rec = new Recorder(store.subscribeToAll({ filter: mine() }));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.deepEqual(rec.dataBefore(), [1, 2, 3]);
          await store.append(`${p}a`, [ev('X', { n: 4 })]);
          await store.append(`${p}c`, [ev('X', { n: 5 }), ev('X', { n: 6 })]);
          await store.append(`other-${p}`, [ev('X', { n: 99 })]);
          await rec.waitFor((r) => r.events().length >= 6, '6 events');
          assert.deepEqual(rec.dataAfter(), [4, 5, 6]);
          const events = rec.events();
          assertStrictlyIncreasing(events.map((e) => e.position));
          const caughtUp = rec.caughtUp!;
          assert.ok(caughtUp >= events[2]!.position, 'caughtUp position covers the catch-up');
          assert.ok(events[3]!.position > caughtUp, 'live events come after the caughtUp position');
          assert.equal(rec.items.filter((i) => i.kind === 'caughtUp').length, 1);
        } finally {
          rec.unsubscribe();
        }
      });

      it('marks caughtUp at once when there is nothing to catch up', async () => {
        const rec = new Recorder(store.subscribeToAll({ filter: mine() }));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.equal(rec.events().length, 0);
          await store.append(`${p}a`, [ev('X', { n: 1 })]);
          await rec.waitFor((r) => r.events().length === 1, 'live event');
        } finally {
          rec.unsubscribe();
        }
      });

      it('resumes after a checkpoint position (an event position or a caughtUp position)', async () => {
        await store.append(`${p}a`, [ev('X', { n: 1 }), ev('X', { n: 2 }), ev('X', { n: 3 })]);
        const all = await store.readAll({ filter: mine() });
        const rec = new Recorder(store.subscribeToAll({ afterPosition: all[1]!.position, filter: mine() }));
        let checkpoint: number;
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.deepEqual(rec.dataBefore(), [3]);
          checkpoint = rec.caughtUp!;
        } finally {
          rec.unsubscribe();
        }
        await store.append(`${p}b`, [ev('X', { n: 4 })]);
        const resumed = new Recorder(store.subscribeToAll({ afterPosition: checkpoint, filter: mine() }));
        try {
          await resumed.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.deepEqual(resumed.dataBefore(), [4]);
        } finally {
          resumed.unsubscribe();
        }
      });

      it('applies event type filters to catch-up and live events', async () => {
        await store.append(`${p}a`, [ev('Keep', { n: 1 }), ev('Drop', { n: 2 }), ev('Keep', { n: 3 })]);
        const rec = new Recorder(store.subscribeToAll({ filter: { streamPrefixes: [p], eventTypes: ['Keep'] } }));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          await store.append(`${p}b`, [ev('Drop', { n: 4 }), ev('Keep', { n: 5 })]);
          await rec.waitFor((r) => r.events().length >= 3, '3 events');
          assert.deepEqual(rec.dataBefore(), [1, 3]);
          assert.deepEqual(rec.dataAfter(), [5]);
        } finally {
          rec.unsubscribe();
        }
      });

      it('delivers every event exactly once, in order, while appends race the catch-up', async () => {
        const appenders = 4;
        const batches = 15;
        const perBatch = 7;
        await store.append(`${p}seed`, Array.from({ length: 50 }, (_, i) => ev('Seed', { n: i })));
        let rec: Recorder | undefined;
        const writers = Array.from({ length: appenders }, async (_, w) => {
          for (let b = 0; b < batches; b++) {
            await store.append(`${p}w${w}`, Array.from({ length: perBatch }, (_, i) => ev('Race', { w, b, i })));
            if (w === 0 && b === 2) rec = new Recorder(store.subscribeToAll({ filter: mine() }));
          }
        });
        await Promise.all(writers);
        const total = 50 + appenders * batches * perBatch;
        assert.ok(rec !== undefined);
        try {
          await rec.waitFor((r) => r.events().length >= total, `${total} events`, 10_000);
          const expected = await store.readAll({ filter: mine() });
          assert.equal(expected.length, total);
          assert.deepEqual(
            rec.events().map((e) => e.id),
            expected.map((e) => e.id),
          );
          assert.equal(rec.items.filter((i) => i.kind === 'caughtUp').length, 1);
        } finally {
          rec.unsubscribe();
        }
      });

      it('stops delivering after unsubscribe', async () => {
        const rec = new Recorder(store.subscribeToAll({ filter: mine() }));
        await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
        await store.append(`${p}a`, [ev('X', { n: 1 })]);
        await rec.waitFor((r) => r.events().length === 1, 'first event');
        rec.unsubscribe();
        await store.append(`${p}a`, [ev('X', { n: 2 })]);
        await delay(100);
        assert.equal(rec.events().length, 1);
      });

      it('completes when the store closes', async () => {
        await store.append(`${p}a`, [ev('X', { n: 1 })]);
        const all = new Recorder(store.subscribeToAll({ filter: mine() }));
        const one = new Recorder(store.subscribeToStream(`${p}a`));
        await all.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
        await one.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
        await store.close();
        await all.waitFor((r) => r.completed, 'completion of the $all subscription');
        await one.waitFor((r) => r.completed, 'completion of the stream subscription');
      });
    });

    describe('subscribeToStream', () => {
      it('catches up on the stream, marks caughtUp, then follows it live (and only it)', async () => {
        await store.append(`${p}s`, [ev('X', { n: 1 }), ev('X', { n: 2 })]);
        await store.append(`${p}other`, [ev('X', { n: 99 })]);
        const rec = new Recorder(store.subscribeToStream(`${p}s`));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.deepEqual(rec.dataBefore(), [1, 2]);
          await store.append(`${p}other`, [ev('X', { n: 98 })]);
          await store.append(`${p}s`, [ev('X', { n: 3 })]);
          await store.append(`${p}s`, [ev('X', { n: 4 })]);
          await rec.waitFor((r) => r.events().length >= 4, '4 events');
          assert.deepEqual(rec.dataAfter(), [3, 4]);
          assert.deepEqual(
            rec.events().map((e) => e.revision),
            [0, 1, 2, 3],
          );
          assert.ok(rec.events().every((e) => e.stream === `${p}s`));
        } finally {
          rec.unsubscribe();
        }
      });

      it('resumes after a revision', async () => {
        await store.append(`${p}s`, [ev('X', { n: 1 }), ev('X', { n: 2 }), ev('X', { n: 3 })]);
        const rec = new Recorder(store.subscribeToStream(`${p}s`, { afterRevision: 1 }));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.deepEqual(rec.dataBefore(), [3]);
        } finally {
          rec.unsubscribe();
        }
      });

      it('waits for a stream that does not exist yet', async () => {
        const rec = new Recorder(store.subscribeToStream(`${p}later`));
        try {
          await rec.waitFor((r) => r.caughtUp !== undefined, 'caughtUp');
          assert.equal(rec.events().length, 0);
          await store.append(`${p}later`, [ev('X', { n: 1 })], 'no_stream');
          await rec.waitFor((r) => r.events().length === 1, 'the first event');
          assert.equal(rec.events()[0]!.revision, 0);
        } finally {
          rec.unsubscribe();
        }
      });

      it('delivers every event of the stream exactly once while appends race the catch-up', async () => {
        const stream = `${p}race`;
        await store.append(stream, Array.from({ length: 30 }, (_, i) => ev('Seed', { n: i })));
        let rec: Recorder | undefined;
        for (let b = 0; b < 20; b++) {
          const pending = store.append(stream, Array.from({ length: 5 }, (_, i) => ev('Race', { b, i })));
          if (b === 3) rec = new Recorder(store.subscribeToStream(stream));
          await pending;
        }
        assert.ok(rec !== undefined);
        try {
          await rec.waitFor((r) => r.events().length >= 130, '130 events', 10_000);
          assert.deepEqual(
            rec.events().map((e) => e.revision),
            Array.from({ length: 130 }, (_, i) => i),
          );
        } finally {
          rec.unsubscribe();
        }
      });
    });

    describe('listStreams', () => {
      it('lists streams in order of first appearance, not streams whose appends all failed', async () => {
        await store.append(`${p}b`, [ev('X')]);
        await store.append(`${p}a`, [ev('X')]);
        await assert.rejects(store.append(`${p}ghost`, [ev('X')], 'stream_exists'));
        await store.append(`${p}b`, [ev('X')]);
        await store.append(`${p}c`, [ev('X')]);
        const streams = (await store.listStreams()).filter((s) => s.startsWith(p));
        assert.deepEqual(streams, [`${p}b`, `${p}a`, `${p}c`]);
      });
    });
  });
}

// ------------------------------------------------------------------ helpers

export function ev(type: string, data: unknown = {}, metadata?: Record<string, unknown>): EventToAppend {
  return metadata === undefined ? { id: randomUUID(), type, data } : { id: randomUUID(), type, data, metadata };
}

function assertStrictlyIncreasing(values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i]! > values[i - 1]!, `positions must strictly increase: ${values[i - 1]} then ${values[i]}`);
  }
}

async function assertWrongVersion(
  attempt: Promise<unknown>,
  stream: string,
  expected: ExpectedRevision,
  actual: number,
): Promise<void> {
  await assert.rejects(attempt, (error: unknown) => {
    assert.ok(error instanceof WrongExpectedVersionError, `expected WrongExpectedVersionError, got ${String(error)}`);
    assert.equal(error.stream, stream);
    assert.equal(error.expected, expected);
    assert.equal(error.actual, actual);
    return true;
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records what a subscription emits and lets a test wait for a condition on it. */
export class Recorder {
  readonly items: SubscriptionItem[] = [];
  completed = false;
  error: unknown = undefined;
  private readonly subscription: Subscription;
  private readonly waiters = new Set<() => void>();

  constructor(source: Observable<SubscriptionItem>) {
    this.subscription = source.subscribe({
      next: (item) => {
        this.items.push(item);
        this.poke();
      },
      error: (error: unknown) => {
        this.error = error;
        this.poke();
      },
      complete: () => {
        this.completed = true;
        this.poke();
      },
    });
  }

  /** Position of the caughtUp marker, if seen. */
  get caughtUp(): number | undefined {
    const item = this.items.find((i) => i.kind === 'caughtUp');
    return item?.kind === 'caughtUp' ? item.position : undefined;
  }

  events(): RecordedEvent[] {
    return this.items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
  }

  /** `data.n` of the events before the caughtUp marker. */
  dataBefore(): number[] {
    const at = this.items.findIndex((i) => i.kind === 'caughtUp');
    return ns(this.items.slice(0, at < 0 ? this.items.length : at));
  }

  /** `data.n` of the events after the caughtUp marker. */
  dataAfter(): number[] {
    const at = this.items.findIndex((i) => i.kind === 'caughtUp');
    return at < 0 ? [] : ns(this.items.slice(at + 1));
  }

  waitFor(condition: (r: Recorder) => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.error !== undefined) {
          done();
          reject(this.error instanceof Error ? this.error : new Error(String(this.error)));
        } else if (condition(this)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.items.length} item(s)`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  unsubscribe(): void {
    this.subscription.unsubscribe();
  }

  private poke(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function ns(items: readonly SubscriptionItem[]): number[] {
  return items.flatMap((i) => (i.kind === 'event' ? [(i.event.data as { n: number }).n] : []));
}
