import type { LoadClientProcess } from '../harness/loadClientProcess.js';
import type { HeapFigures } from '../harness/serverHeap.js';
import type { ServerUnderTest } from '../harness/serverUnderTest.js';
import { median } from '../loadClient/percentiles.js';
import type { MediaTransport } from '../loadClient/protocol.js';
import { fmt, skipped, sleep, type BenchContext, type Comparison, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * Memory per playing session. For each transport, on a fresh server warmed with a few
 * sessions: before, with N/2 sessions playing, and with N playing. Two sources:
 * - the server's heap after a full garbage collection (through its inspector): the
 *   marginal ((N) − (N/2)) / (N/2) of live JavaScript objects plus the native memory
 *   they hold apart from buffers is what one more session costs beyond packet buffers,
 *   the figure compared with the target; Buffer memory is shown beside it;
 * - the resident set (what the OS charges), marginal and average over all N: RSS
 *   includes garbage not yet collected and memory V8 keeps, so it is an upper bound,
 *   and it swings widely from run to run.
 * The movie is shared by every session (one block cache); TCP sessions also hold each
 * connection's batch of interleaved packets.
 */
interface MemoryStep {
  readonly transport: MediaTransport;
  readonly sessions: number;
  readonly opened: number;
  readonly baselineRssMb: number;
  readonly halfRssMb: number;
  readonly playingRssMb: number;
  readonly afterTeardownRssMb: number;
  readonly marginalKbPerSession: number;
  readonly averageKbPerSession: number;
  readonly peakRssMb: number;
  /** After a full collection, at N/2 and at N sessions; null without the inspector. */
  readonly halfHeap: HeapFigures | null;
  readonly playingHeap: HeapFigures | null;
  /** Marginal JavaScript objects + native memory other than buffers, per session. */
  readonly marginalStateKbPerSession: number | null;
  /** Marginal Buffer memory per session. */
  readonly marginalBuffersKbPerSession: number | null;
}

/** Live objects and the native memory they hold, buffers apart (MB). */
const stateMb = (h: HeapFigures): number => h.heapUsedMb + h.externalMb - h.arrayBuffersMb;

async function rssMedianMb(server: ServerUnderTest, samples = 5, everyMs = 200): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(everyMs);
    const m = server.memory();
    if (m) values.push(m.rssKb / 1024);
  }
  return median(values) ?? NaN;
}

async function measure(
  server: ServerUnderTest,
  client: LoadClientProcess,
  url: string,
  transport: MediaTransport,
  n: number,
  steadyMs: number,
  quick: boolean,
): Promise<MemoryStep> {
  // Warm the server (JIT, movie index and block cache) so the baseline is not a cold process.
  await client.open({ port: server.port, url, transport, count: 20, concurrency: 20 });
  await sleep(quick ? 500 : 3_000);
  await client.closeAll();
  await sleep(quick ? 500 : 2_000);
  const baselineRssMb = await rssMedianMb(server);
  const half = Math.floor(n / 2);
  const first = await client.open({ port: server.port, url, transport, count: half, concurrency: 64 });
  await sleep(steadyMs);
  const halfRssMb = await rssMedianMb(server);
  const halfHeap = await server.heapAfterGc();
  const second = await client.open({ port: server.port, url, transport, count: n - half, concurrency: 64 });
  await sleep(steadyMs);
  const playingRssMb = await rssMedianMb(server);
  const playingHeap = await server.heapAfterGc();
  const peakRssMb = (server.memory()?.peakRssKb ?? NaN) / 1024;
  await client.closeAll();
  await sleep(quick ? 500 : 2_000);
  const afterTeardownRssMb = await rssMedianMb(server, 3);
  return {
    transport,
    sessions: n,
    opened: first.opened + second.opened,
    baselineRssMb,
    halfRssMb,
    playingRssMb,
    afterTeardownRssMb,
    marginalKbPerSession: ((playingRssMb - halfRssMb) * 1024) / Math.max(1, second.opened),
    averageKbPerSession: ((playingRssMb - baselineRssMb) * 1024) / Math.max(1, first.opened + second.opened),
    peakRssMb,
    halfHeap,
    playingHeap,
    marginalStateKbPerSession: halfHeap && playingHeap ? ((stateMb(playingHeap) - stateMb(halfHeap)) * 1024) / Math.max(1, second.opened) : null,
    marginalBuffersKbPerSession:
      halfHeap && playingHeap ? ((playingHeap.arrayBuffersMb - halfHeap.arrayBuffersMb) * 1024) / Math.max(1, second.opened) : null,
  };
}

export const memoryPerSession: Scenario = {
  name: 'memory',
  title: 'Memory per playing session',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const movie = await ctx.movie();
    if (!movie) return skipped('ffmpeg not found: cannot make the bench movie');
    // Few enough that the server keeps up (a saturated server queues TCP data, which is not session state).
    const n = ctx.quick ? 200 : 400;
    const steadyMs = ctx.quick ? 1_500 : 5_000;
    const steps: MemoryStep[] = [];
    for (const transport of ['UDP', 'TCP'] as const) {
      const server = await ctx.startServer('memory', { inspect: true });
      const client = await ctx.startLoadClient();
      try {
        ctx.log(`  ${transport}: ${n / 2}, then ${n} sessions playing, ${steadyMs / 1000} s each`);
        const step = await measure(server, client, server.url(movie.name), transport, n, steadyMs, ctx.quick);
        steps.push(step);
        ctx.log(
          `  ${transport}: ${fmt(step.baselineRssMb, 1)} → ${fmt(step.halfRssMb, 1)} → ${fmt(step.playingRssMb, 1)} MB: ` +
            `${fmt(step.marginalKbPerSession, 1)} KB marginal, ${fmt(step.averageKbPerSession, 1)} KB average per session; ` +
            `after GC ${fmt(step.marginalStateKbPerSession, 1)} KB of objects and ${fmt(step.marginalBuffersKbPerSession, 1)} KB of buffers per session`,
        );
      } finally {
        await client.stop();
        await server.stop();
      }
    }
    const comparisons: Comparison[] = steps.map((s) => ({
      figure: `memory per playing ${s.transport} session beyond packet buffers (marginal, after GC)`,
      value: s.marginalStateKbPerSession,
      unit: 'KB',
      target: '≤ 64',
      meets: s.marginalStateKbPerSession === null ? null : s.marginalStateKbPerSession <= 64,
    }));
    return {
      status: 'ok',
      summary: Object.fromEntries(
        steps.flatMap((s) => [
          [`marginalKbPerSession${s.transport}`, s.marginalKbPerSession],
          [`averageKbPerSession${s.transport}`, s.averageKbPerSession],
          [`sessions${s.transport}`, s.opened],
          [`marginalStateKbPerSession${s.transport}`, s.marginalStateKbPerSession],
          [`marginalBuffersKbPerSession${s.transport}`, s.marginalBuffersKbPerSession],
        ]),
      ),
      comparisons,
      tables: [
        {
          title: `Memory: server RSS with ${n / 2} and ${n} sessions playing (fresh server per transport, median of 5 samples)`,
          columns: [
            'transport',
            'sessions',
            'RSS before MB',
            `RSS ${n / 2} MB`,
            `RSS ${n} MB`,
            'after teardown MB',
            'RSS KB/session marginal',
            'RSS KB/session average',
            'peak RSS MB',
            'after GC: objects KB/session',
            'buffers KB/session',
          ],
          rows: steps.map((s) => [
            s.transport,
            String(s.opened),
            fmt(s.baselineRssMb, 1),
            fmt(s.halfRssMb, 1),
            fmt(s.playingRssMb, 1),
            fmt(s.afterTeardownRssMb, 1),
            fmt(s.marginalKbPerSession, 1),
            fmt(s.averageKbPerSession, 1),
            fmt(s.peakRssMb, 1),
            fmt(s.marginalStateKbPerSession, 1),
            fmt(s.marginalBuffersKbPerSession, 1),
          ]),
        },
      ],
      details: { steps },
      notes: [
        'After GC: marginal live JavaScript objects plus native memory other than buffers, from the server’s inspector after a full collection (compared with the target); buffers: marginal Buffer memory.',
        'RSS includes uncollected garbage and memory V8 keeps; TCP also holds each connection’s batch of interleaved packets.',
      ],
    };
  },
};
