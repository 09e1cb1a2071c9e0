import type { LoadClientProcess } from '../harness/loadClientProcess.js';
import type { ServerUnderTest } from '../harness/serverUnderTest.js';
import { median } from '../loadClient/percentiles.js';
import type { MediaTransport } from '../loadClient/protocol.js';
import { fmt, skipped, sleep, type BenchContext, type Comparison, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * Memory per playing session, from the server's resident set (what the OS charges).
 * For each transport, on a fresh server warmed with a few sessions: RSS before, with
 * N/2 sessions playing, and with N playing. Two figures:
 * - marginal: (RSS(N) − RSS(N/2)) / (N/2), what one more session costs once the heap
 *   has grown to a working size (the figure compared with the target);
 * - average: (RSS(N) − RSS(before)) / N, which also carries one-off growth (V8 young
 *   generation, buffers first touched).
 * RSS includes garbage not yet collected, so both are upper bounds. The movie is shared
 * by every session (one block cache) and UDP sessions queue no packets, so UDP is the
 * "beyond packet buffers" figure; TCP adds each connection's queued interleaved data.
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
}

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
  const second = await client.open({ port: server.port, url, transport, count: n - half, concurrency: 64 });
  await sleep(steadyMs);
  const playingRssMb = await rssMedianMb(server);
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
      const server = await ctx.startServer('memory');
      const client = await ctx.startLoadClient();
      try {
        ctx.log(`  ${transport}: ${n / 2}, then ${n} sessions playing, ${steadyMs / 1000} s each`);
        const step = await measure(server, client, server.url(movie.name), transport, n, steadyMs, ctx.quick);
        steps.push(step);
        ctx.log(
          `  ${transport}: ${fmt(step.baselineRssMb, 1)} → ${fmt(step.halfRssMb, 1)} → ${fmt(step.playingRssMb, 1)} MB: ` +
            `${fmt(step.marginalKbPerSession, 1)} KB marginal, ${fmt(step.averageKbPerSession, 1)} KB average per session`,
        );
      } finally {
        await client.stop();
        await server.stop();
      }
    }
    const udp = steps.find((s) => s.transport === 'UDP');
    const comparisons: Comparison[] = [
      {
        figure: 'server RSS per playing UDP session (marginal)',
        value: udp?.marginalKbPerSession ?? null,
        unit: 'KB',
        target: '≤ 64',
        meets: udp ? udp.marginalKbPerSession <= 64 : null,
      },
    ];
    return {
      status: 'ok',
      summary: Object.fromEntries(
        steps.flatMap((s) => [
          [`marginalKbPerSession${s.transport}`, s.marginalKbPerSession],
          [`averageKbPerSession${s.transport}`, s.averageKbPerSession],
          [`sessions${s.transport}`, s.opened],
        ]),
      ),
      comparisons,
      tables: [
        {
          title: `Memory: server RSS with ${n / 2} and ${n} sessions playing (fresh server per transport, median of 5 samples)`,
          columns: ['transport', 'sessions', 'RSS before MB', `RSS ${n / 2} MB`, `RSS ${n} MB`, 'after teardown MB', 'KB/session marginal', 'KB/session average', 'peak RSS MB'],
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
          ]),
        },
      ],
      details: { steps },
      notes: ['RSS includes uncollected garbage; TCP also holds each connection’s queued interleaved packets.'],
    };
  },
};
