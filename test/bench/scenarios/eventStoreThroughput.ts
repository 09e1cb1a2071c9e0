import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { openEmbeddedEventStore, type EmbeddedEventStore } from '../../../eventstore/embedded/index.js';
import type { EventStore, EventToAppend, RecordedEvent } from '../../../eventstore/eventStore.js';
import { EsdbEventStore } from '../../../eventstore/esdb/esdbEventStore.js';
import { startGrpcEventStoreServer } from '../../../eventstore/grpc/grpcEventStoreServer.js';
import { median, percentiles } from '../loadClient/percentiles.js';
import type { Percentiles } from '../loadClient/protocol.js';
import { fmt, type BenchContext, type Comparison, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * The embedded event store, in process, on the same disk the server uses (the run's
 * temporary folder): durable appends (each acknowledged only after fdatasync) one event
 * at a time and in batches, by one writer and by many at once (group commit), and
 * replay: folding every event through paged readAll and through subscribeToAll's
 * catch-up, as a projection rebuild does. Events are shaped like the server's session
 * events (similar sizes, metadata included).
 */
interface AppendRun {
  readonly label: string;
  readonly writers: number;
  readonly batch: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Per append call, ms. */
  readonly latencyMs: Percentiles;
}

function sessionLikeEvent(i: number): EventToAppend {
  return {
    id: randomUUID(),
    type: i % 6 === 5 ? 'SessionClosed' : 'SessionTransportSetUp',
    data:
      i % 6 === 5
        ? { reason: 'teardown', lastStatus: 200, durationMs: 61_234, transport: 'UDP', bytesSent: 11_534_336, packetsSent: 9_120, tracks: [{ trackId: 1, packetsSent: 6_300, bytesSent: 9_000_000 }, { trackId: 2, packetsSent: 2_820, bytesSent: 2_534_336 }] }
        : { trackId: 1 + (i % 2), transport: 'UDP', clientRtpPort: 20_000 + (i % 10_000) * 2, clientRtcpPort: 20_001 + (i % 10_000) * 2, interleaved: null, ssrc: '0A1B2C3D' },
    metadata: { nodeId: 'bench', time: new Date().toISOString(), schemaVersion: 1, correlationId: `session-${i}` },
  };
}

async function appendRun(store: Pick<EventStore, 'append'>, label: string, writers: number, batch: number, durationMs: number, streamPrefix: string): Promise<AppendRun> {
  const latencies: number[] = [];
  let events = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const writer = async (w: number): Promise<void> => {
    const stream = `${streamPrefix}-${w}`;
    let revision: number | 'no_stream' = 'no_stream';
    let i = 0;
    while (performance.now() < deadline) {
      const batchEvents = Array.from({ length: batch }, () => sessionLikeEvent(i++));
      const t0 = performance.now();
      const result = await store.append(stream, batchEvents, revision);
      latencies.push(performance.now() - t0);
      revision = result.nextExpectedRevision;
      events += batch;
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const seconds = (performance.now() - started) / 1000;
  return { label, writers, batch, events, seconds, eventsPerSecond: events / seconds, latencyMs: percentiles(latencies) };
}

const APPEND_SHAPES = [
  { label: 'single, 1 writer', writers: 1, batch: 1 },
  { label: 'single, 64 writers', writers: 64, batch: 1 },
  { label: 'batch of 100, 1 writer', writers: 1, batch: 100 },
  { label: 'batch of 100, 8 writers', writers: 8, batch: 100 },
] as const;

interface AppendShape {
  readonly label: string;
  readonly writers: number;
  readonly batch: number;
}

interface ShapeMedian extends AppendShape {
  readonly eventsPerSecond: number;
  readonly rates: number[];
  readonly latencyMs: Percentiles;
}

/** Warm-up, then each shape `repeats` times; the median run of each shape. */
async function measureShapes(store: Pick<EventStore, 'append'>, shapes: readonly AppendShape[], ctx: BenchContext, prefix: string): Promise<{ medians: ShapeMedian[]; runs: AppendRun[][]; repeats: number; durationMs: number }> {
  const repeats = ctx.quick ? 1 : 3;
  const durationMs = ctx.quick ? 1_500 : 3_000;
  const runs: AppendRun[][] = shapes.map(() => []);
  // Warm-up: JIT and file growth, not reported.
  await appendRun(store, 'warm-up', 8, 10, 500, `${prefix}-warmup`);
  for (let r = 0; r < repeats; r++) {
    for (const [i, shape] of shapes.entries()) {
      const run = await appendRun(store, shape.label, shape.writers, shape.batch, durationMs, `${prefix}-${r}-${i}`);
      runs[i]!.push(run);
      ctx.log(`  ${prefix} ${shape.label}: ${fmt(run.eventsPerSecond, 0)} events/s, append p50 ${fmt(run.latencyMs.p50, 2)} ms p99 ${fmt(run.latencyMs.p99, 2)} ms`);
    }
  }
  const medians = shapes.map((shape, i) => {
    const rates = runs[i]!.map((r) => r.eventsPerSecond);
    const m = median(rates)!;
    const run = runs[i]!.find((r) => r.eventsPerSecond === m) ?? runs[i]![0]!;
    return { ...shape, eventsPerSecond: m, rates, latencyMs: run.latencyMs };
  });
  return { medians, runs, repeats, durationMs };
}

function shapeRows(medians: readonly ShapeMedian[]): string[][] {
  return medians.map((m) => [m.label, fmt(m.eventsPerSecond, 0), fmt(m.latencyMs.p50, 2), fmt(m.latencyMs.p99, 2), m.rates.map((r) => fmt(r, 0)).join(' / ')]);
}

const SHAPE_COLUMNS = ['shape', 'events/s', 'append p50 ms', 'append p99 ms', 'runs events/s'];

export const storeAppend: Scenario = {
  name: 'store-append',
  title: 'Event store: durable append throughput',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const dir = await mkdtemp(path.join(ctx.workDir, 'store-append-'));
    const store = await openEmbeddedEventStore(dir);
    let measured;
    try {
      measured = await measureShapes(store, APPEND_SHAPES, ctx, 'bench');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
    const { medians, runs, repeats, durationMs } = measured;
    const batched = medians[2]!;
    const comparisons: Comparison[] = [
      {
        figure: 'durable appended events/s, batched (100 per append, 1 writer)',
        value: batched.eventsPerSecond,
        unit: 'events/s',
        target: '≥ 20,000',
        meets: batched.eventsPerSecond >= 20_000,
      },
    ];
    return {
      status: 'ok',
      summary: Object.fromEntries(medians.map((m) => [m.label, m.eventsPerSecond])),
      comparisons,
      tables: [
        {
          title: `Event store appends, durable (fdatasync before acknowledging), median of ${repeats} × ${durationMs / 1000} s`,
          columns: SHAPE_COLUMNS,
          rows: shapeRows(medians),
        },
      ],
      details: runs,
      notes: ['The store runs in the bench process, on the disk holding the temporary folder.'],
    };
  },
};

/** What a projection rebuild does per event: look at the type and fold a few fields. */
class ReplayFold {
  events = 0;
  closed = 0;
  bytes = 0;
  readonly byType = new Map<string, number>();
  add(e: RecordedEvent): void {
    this.events++;
    this.byType.set(e.type, (this.byType.get(e.type) ?? 0) + 1);
    if (e.type === 'SessionClosed') {
      this.closed++;
      this.bytes += (e.data as { bytesSent: number }).bytesSent;
    }
  }
}

const PAGE = 10_000;

export const storeReplay: Scenario = {
  name: 'store-replay',
  title: 'Event store: replay throughput',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const dir = await mkdtemp(path.join(ctx.workDir, 'store-replay-'));
    const total = ctx.quick ? 60_000 : 300_000;
    const repeats = ctx.quick ? 1 : 3;
    try {
      // Fill: sessions of six events each, appended 500 at a time across streams, not timed.
      let store = await openEmbeddedEventStore(dir);
      const fillStarted = performance.now();
      let i = 0;
      const appends: Array<Promise<unknown>> = [];
      while (i < total) {
        const events: EventToAppend[] = [];
        const stream = `session-${Math.floor(i / 6)}`;
        for (let k = 0; k < 6 && i < total; k++) events.push(sessionLikeEvent(i++));
        appends.push(store.append(stream, events, 'no_stream'));
        if (appends.length >= 100) await Promise.all(appends.splice(0));
      }
      await Promise.all(appends);
      const fillSeconds = (performance.now() - fillStarted) / 1000;
      ctx.log(`  filled ${total} events in ${fmt(fillSeconds, 1)} s`);
      await store.close();

      const openMs: number[] = [];
      const readAllRates: number[] = [];
      const subscribeRates: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        store = await openEmbeddedEventStore(dir);
        openMs.push(performance.now() - t0);
        try {
          // Paged readAll, folded.
          const fold = new ReplayFold();
          const t1 = performance.now();
          let from = 0;
          for (;;) {
            const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
            for (const e of page) fold.add(e);
            if (page.length < PAGE) break;
            from = page[page.length - 1]!.position + 1;
          }
          readAllRates.push(fold.events / ((performance.now() - t1) / 1000));
          if (fold.events !== total) throw new Error(`readAll replayed ${fold.events} events, expected ${total}`);
          // subscribeToAll from the start until caught up, folded.
          const sub = new ReplayFold();
          const t2 = performance.now();
          await new Promise<void>((resolve, reject) => {
            const subscription = store.subscribeToAll().subscribe({
              next: (item) => {
                if (item.kind === 'event') sub.add(item.event);
                else {
                  subscription.unsubscribe();
                  resolve();
                }
              },
              error: reject,
              complete: resolve,
            });
          });
          subscribeRates.push(sub.events / ((performance.now() - t2) / 1000));
          if (sub.events !== total) throw new Error(`subscribeToAll replayed ${sub.events} events, expected ${total}`);
          ctx.log(`  replay ${r + 1}: open ${fmt(openMs[r], 0)} ms, readAll ${fmt(readAllRates[r], 0)} events/s, subscribeToAll ${fmt(subscribeRates[r], 0)} events/s`);
        } finally {
          await store.close();
        }
      }
      const readAllMedian = median(readAllRates)!;
      const subscribeMedian = median(subscribeRates)!;
      const openMedian = median(openMs)!;
      return {
        status: 'ok',
        summary: {
          events: total,
          readAllEventsPerSecond: readAllMedian,
          subscribeToAllEventsPerSecond: subscribeMedian,
          openMs: openMedian,
          openEventsPerSecond: total / (openMedian / 1000),
          fillEventsPerSecond: total / fillSeconds,
        },
        comparisons: [
          { figure: 'replayed events/s (paged readAll, folded)', value: readAllMedian, unit: 'events/s', target: '≥ 200,000', meets: readAllMedian >= 200_000 },
          { figure: 'replayed events/s (subscribeToAll catch-up, folded)', value: subscribeMedian, unit: 'events/s', target: '≥ 200,000', meets: subscribeMedian >= 200_000 },
        ],
        tables: [
          {
            title: `Event store replay of ${total.toLocaleString('en-US')} events, median of ${repeats}`,
            columns: ['measure', 'median', 'runs'],
            rows: [
              ['open (recovery scan + index), ms', fmt(openMedian, 0), openMs.map((v) => fmt(v, 0)).join(' / ')],
              [`readAll in pages of ${PAGE}, events/s`, fmt(readAllMedian, 0), readAllRates.map((v) => fmt(v, 0)).join(' / ')],
              ['subscribeToAll catch-up, events/s', fmt(subscribeMedian, 0), subscribeRates.map((v) => fmt(v, 0)).join(' / ')],
              ['fill (batches of 6, 100 appends in flight), events/s', fmt(total / fillSeconds, 0), ''],
            ],
          },
        ],
        details: { openMs, readAllRates, subscribeRates, fillSeconds },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/**
 * The same durable batched appends through EventStoreDB's gRPC API: the real
 * @eventstore/db-client (through the adapter) against the embedded store's own endpoint,
 * both in the bench process — so the figure includes the client's protobuf work too.
 */
export const storeGrpc: Scenario = {
  name: 'store-grpc',
  title: 'Event store: batched appends through the EventStoreDB gRPC endpoint',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const dir = await mkdtemp(path.join(ctx.workDir, 'store-grpc-'));
    const store = await openEmbeddedEventStore(dir);
    const endpoint = await startGrpcEventStoreServer(store, { port: 0 });
    const client = EsdbEventStore.connect(endpoint.connectionString);
    let measured;
    try {
      measured = await measureShapes(client, [{ label: 'batch of 100, 8 writers', writers: 8, batch: 100 }], ctx, 'grpc');
    } finally {
      await client.close();
      await endpoint.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
    const { medians, repeats, durationMs } = measured;
    const eventsPerSecond = medians[0]!.eventsPerSecond;
    return {
      status: 'ok',
      summary: { 'batch of 100, 8 writers, via gRPC': eventsPerSecond },
      comparisons: [{ figure: 'durable appended events/s through gRPC, batched', value: eventsPerSecond, unit: 'events/s', target: '≥ 10,000', meets: eventsPerSecond >= 10_000 }],
      tables: [
        {
          title: `Appends through the gRPC endpoint with the real client, durable, median of ${repeats} × ${durationMs / 1000} s`,
          columns: SHAPE_COLUMNS,
          rows: shapeRows(medians),
        },
      ],
      notes: ['Client and endpoint share the bench process, so its protobuf encoding is on the same core as the store.'],
    };
  },
};
