import path from 'node:path';
import { openEmbeddedEventStore } from '../../../eventstore/embedded/index.js';
import { median } from '../loadClient/percentiles.js';
import type { SetupRateResult } from '../loadClient/protocol.js';
import { fmt, skipped, sleep, type BenchContext, type Comparison, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * Session set-up rate: whole sessions (connect, OPTIONS, DESCRIBE, SETUP ×2, PLAY,
 * TEARDOWN, close), first offered at a steady 200 a second (set-up time percentiles
 * under a moderate load), then as fast as 32 back-to-back loops go (the top rate,
 * median of repeated runs). Afterwards the server is stopped and its event store
 * opened: every acknowledged TEARDOWN must have left a SessionClosed event on disk.
 */
const PACED_RATE = 200;
const CLOSED_CONCURRENCY = 32;

export const setupRate: Scenario = {
  name: 'setup-rate',
  title: 'Session set-up rate',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const movie = await ctx.movie();
    if (!movie) return skipped('ffmpeg not found: cannot make the bench movie');
    const server = await ctx.startServer('setup-rate');
    const client = await ctx.startLoadClient();
    const url = server.url(movie.name);
    const runs: SetupRateResult[] = [];
    let serial: SetupRateResult;
    let paced: SetupRateResult;
    const closed: SetupRateResult[] = [];
    /** Server CPU during each measured run, % of one core. */
    const serverCpu = new Map<SetupRateResult, number>();
    let closedServerCpuS = 0;
    const measured = async (run: () => Promise<SetupRateResult>, topRate = false): Promise<SetupRateResult> => {
      const cpuBefore = server.cpuSeconds();
      const wallBefore = performance.now();
      const r = await run();
      const cpuS = server.cpuSeconds() - cpuBefore;
      serverCpu.set(r, (100 * cpuS) / ((performance.now() - wallBefore) / 1000));
      if (topRate) closedServerCpuS += cpuS;
      runs.push(r);
      return r;
    };
    try {
      // Warm-up: JIT, movie index, block cache; not reported.
      runs.push(await client.setupRate({ port: server.port, url, mode: 'closed', concurrency: 8, durationMs: 1_000 }));
      await sleep(500);
      // One at a time: set-up time with no queueing at all.
      serial = await measured(() => client.setupRate({ port: server.port, url, mode: 'closed', concurrency: 1, durationMs: ctx.quick ? 1_000 : 3_000 }));
      ctx.log(`  one at a time: ${fmt(serial.sessionsPerSecond, 0)}/s, set-up p50 ${fmt(serial.setupMs.p50, 2)} ms p99 ${fmt(serial.setupMs.p99, 2)} ms`);
      await sleep(500);
      ctx.log(`  paced: ${PACED_RATE} sessions/s for ${ctx.quick ? 3 : 10} s`);
      paced = await measured(() => client.setupRate({ port: server.port, url, mode: 'paced', rate: PACED_RATE, durationMs: ctx.quick ? 3_000 : 10_000 }));
      ctx.log(`  paced: ${fmt(paced.sessionsPerSecond, 0)}/s, set-up p50 ${fmt(paced.setupMs.p50, 2)} ms p99 ${fmt(paced.setupMs.p99, 2)} ms, ${paced.failed} failed`);
      const repeats = ctx.quick ? 1 : 3;
      for (let i = 0; i < repeats; i++) {
        await sleep(1_000);
        const r = await measured(() => client.setupRate({ port: server.port, url, mode: 'closed', concurrency: CLOSED_CONCURRENCY, durationMs: ctx.quick ? 2_000 : 5_000 }), true);
        closed.push(r);
        ctx.log(
          `  closed loop (${CLOSED_CONCURRENCY} at once) run ${i + 1}: ${fmt(r.sessionsPerSecond, 0)}/s, set-up p50 ${fmt(r.setupMs.p50, 2)} ms ` +
            `p99 ${fmt(r.setupMs.p99, 2)} ms, ${r.failed} failed, server ${fmt(serverCpu.get(r), 0)} % CPU`,
        );
      }
    } finally {
      await client.stop();
    }
    // Let the last sessions' events reach the store, then stop the server as an operator would.
    await sleep(500);
    const exitCode = await server.stop();
    const acknowledged = runs.reduce((sum, r) => sum + r.completed, 0);
    const durability = await countStoredSessions(path.join(server.options.dataFolder, 'events'));

    const rates = closed.map((r) => r.sessionsPerSecond);
    const medianRate = median(rates);
    const medianRun = closed.find((r) => r.sessionsPerSecond === medianRate) ?? closed[0]!;
    const closedCompleted = closed.reduce((sum, r) => sum + r.completed, 0);
    const comparisons: Comparison[] = [
      { figure: 'session set-up rate (closed loop, median)', value: medianRate, unit: 'sessions/s', target: '≥ 1,000', meets: medianRate === null ? null : medianRate >= 1000 },
      {
        figure: `set-up time p99 at ${PACED_RATE}/s`,
        value: paced.setupMs.p99,
        unit: 'ms',
        target: '≤ 20',
        meets: paced.setupMs.p99 === null ? null : paced.setupMs.p99 <= 20,
      },
      {
        figure: 'acknowledged TEARDOWNs with a stored SessionClosed',
        value: durability.closedByTeardown,
        unit: `of ${acknowledged}`,
        target: `= ${acknowledged}`,
        meets: durability.closedByTeardown >= acknowledged,
      },
    ];
    const row = (label: string, r: SetupRateResult): string[] => [
      label,
      String(r.completed),
      String(r.failed),
      fmt(r.sessionsPerSecond, 0),
      fmt(r.setupMs.p50, 2),
      fmt(r.setupMs.p99, 2),
      fmt(r.setupMs.max, 2),
      fmt(r.totalMs.p99, 2),
      fmt(serverCpu.get(r), 0),
    ];
    return {
      status: 'ok',
      summary: {
        pacedRate: PACED_RATE,
        pacedAchievedPerSecond: paced.sessionsPerSecond,
        pacedSetupP50Ms: paced.setupMs.p50,
        pacedSetupP99Ms: paced.setupMs.p99,
        pacedFailed: paced.failed,
        closedConcurrency: CLOSED_CONCURRENCY,
        closedSessionsPerSecondMedian: medianRate,
        closedSessionsPerSecondRuns: rates,
        closedSetupP50Ms: medianRun.setupMs.p50,
        closedSetupP99Ms: medianRun.setupMs.p99,
        serverCpuMsPerSession: closedCompleted > 0 ? (closedServerCpuS * 1000) / closedCompleted : null,
        serialSetupP50Ms: serial.setupMs.p50,
        serialSetupP99Ms: serial.setupMs.p99,
        closedServerCpuPercent: closed.map((r) => serverCpu.get(r) ?? null),
        serverExitCode: exitCode,
        teardownsAcknowledged: acknowledged,
        ...durability,
      },
      comparisons,
      tables: [
        {
          title: 'Set-up rate: OPTIONS, DESCRIBE, SETUP ×2 (TCP), PLAY, TEARDOWN, one connection each',
          columns: ['run', 'completed', 'failed', 'sessions/s', 'set-up p50 ms', 'set-up p99 ms', 'set-up max ms', 'whole session p99 ms', 'server CPU %'],
          rows: [row('one at a time', serial), row(`paced ${PACED_RATE}/s`, paced), ...closed.map((r, i) => row(`closed ×${CLOSED_CONCURRENCY} #${i + 1}`, r))],
        },
      ],
      details: { serial, paced, closed, warmup: runs[0] },
      notes: [
        `Set-up time is connect → PLAY answered; the load client's own latency is included.`,
        `After SIGTERM (exit ${exitCode}) the store held ${durability.sessionClosed} SessionClosed events (${durability.closedByTeardown} by TEARDOWN) and ${durability.sessionOpened} SessionOpened, for ${acknowledged} acknowledged TEARDOWNs.`,
        ...[...paced.errors, ...closed.flatMap((r) => r.errors)].slice(0, 5).map((e) => `set-up error: ${e}`),
      ],
    };
  },
};

async function countStoredSessions(directory: string): Promise<{ sessionOpened: number; sessionClosed: number; closedByTeardown: number; storeOpenMs: number }> {
  const t0 = performance.now();
  const store = await openEmbeddedEventStore(directory);
  const storeOpenMs = performance.now() - t0;
  try {
    const events = await store.readAll({ filter: { eventTypes: ['SessionOpened', 'SessionClosed'] } });
    let sessionOpened = 0;
    let sessionClosed = 0;
    let closedByTeardown = 0;
    for (const e of events) {
      if (e.type === 'SessionOpened') sessionOpened++;
      else {
        sessionClosed++;
        if ((e.data as { reason?: string }).reason === 'teardown') closedByTeardown++;
      }
    }
    return { sessionOpened, sessionClosed, closedByTeardown, storeOpenMs };
  } finally {
    await store.close();
  }
}
