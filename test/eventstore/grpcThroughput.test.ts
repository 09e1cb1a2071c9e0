import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { EsdbEventStore } from '../../eventstore/esdb/esdbEventStore.js';
import { startGrpcEventStoreServer } from '../../eventstore/grpc/grpcEventStoreServer.js';

/*
 * Measures (prints, does not assert) append throughput through the embedded store's gRPC endpoint
 * with the real @eventstore/db-client: batched appends from concurrent writers, for a fixed time per
 * scenario. The target for batched appends is at least 10,000 events/s.
 */

const SECONDS_PER_SCENARIO = 1.5;

interface Scenario {
  readonly name: string;
  readonly syncWrites: boolean;
  readonly writers: number;
  readonly batch: number;
  readonly via: 'client' | 'adapter';
}

async function measure(scenario: Scenario): Promise<{ events: number; seconds: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhouse-tput-'));
  const store = await openEmbeddedEventStore(dir, { syncWrites: scenario.syncWrites });
  const server = await startGrpcEventStoreServer(store);
  const client = EventStoreDBClient.connectionString(server.connectionString);
  const adapter = new EsdbEventStore(client);
  const payload = { session: randomUUID(), bytes: 1024, note: 'x'.repeat(100) };
  try {
    // Warm up the connection (server features, the BatchAppend stream).
    await client.appendToStream('warm-up', jsonEvent({ type: 'WarmUp', data: {} }));
    let events = 0;
    const started = process.hrtime.bigint();
    const deadline = Date.now() + SECONDS_PER_SCENARIO * 1000;
    await Promise.all(
      Array.from({ length: scenario.writers }, async (_, w) => {
        const stream = `tput-${w}-${randomUUID()}`;
        let n = 0;
        while (Date.now() < deadline) {
          if (scenario.via === 'client') {
            await client.appendToStream(
              stream,
              Array.from({ length: scenario.batch }, () => jsonEvent({ type: 'Measured', data: { ...payload, n: n++ } })),
            );
          } else {
            await adapter.append(
              stream,
              Array.from({ length: scenario.batch }, () => ({ id: randomUUID(), type: 'Measured', data: { ...payload, n: n++ } })),
            );
          }
          events += scenario.batch;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(store.stats.events, events + 1);
    return { events, seconds };
  } finally {
    await adapter.close();
    await server.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('gRPC endpoint append throughput (printed, not asserted)', () => {
  const scenarios: Scenario[] = [
    { name: 'batched 100 × 8 writers, fsync, client', syncWrites: true, writers: 8, batch: 100, via: 'client' },
    { name: 'batched 100 × 8 writers, fsync, EsdbEventStore adapter', syncWrites: true, writers: 8, batch: 100, via: 'adapter' },
    { name: 'batched 100 × 8 writers, no fsync, client', syncWrites: false, writers: 8, batch: 100, via: 'client' },
    { name: 'single events × 32 writers, fsync, client', syncWrites: true, writers: 32, batch: 1, via: 'client' },
  ];
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const { events, seconds } = await measure(scenario);
      const rate = Math.round(events / seconds);
      console.log(`# throughput: ${scenario.name}: ${events} events in ${seconds.toFixed(2)} s = ${rate.toLocaleString('en-US')} events/s`);
    });
  }
});
