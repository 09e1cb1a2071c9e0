import type { MediaTransport } from '../loadClient/protocol.js';
import { descriptorBudget, rampTable, runRamp, type RampResult } from './fanOutRamp.js';
import { openFilesLimit } from '../harness/procStats.js';
import { skipped, type BenchContext, type Comparison, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * On-demand fan-out: N readers of one movie, each its own session and TCP connection,
 * media over UDP (the server's shared port pair to N client port pairs) or interleaved
 * on the RTSP connection. Ramps N until a step is not clean.
 */
const FULL_STEPS = [100, 200, 400, 600, 800, 1000, 1200, 1600, 2000, 2400, 3200];
const QUICK_STEPS = [100, 400];
/** Server CPU per delivered packet, µs (DESIGN.md targets). */
const TARGET_US: Record<MediaTransport, number> = { UDP: 3, TCP: 2 };

export function onDemandFanOut(transport: MediaTransport): Scenario {
  const name = `ondemand-${transport.toLowerCase()}`;
  return {
    name,
    title: `On-demand fan-out over ${transport}`,
    async run(ctx: BenchContext): Promise<ScenarioResult> {
      const movie = await ctx.movie();
      if (!movie) return skipped('ffmpeg not found (PATH or @ffmpeg-installer/ffmpeg): cannot make the bench movie');
      const budget = descriptorBudget(transport, openFilesLimit());
      const steps = (ctx.steps ?? (ctx.quick ? QUICK_STEPS : FULL_STEPS)).filter((n) => n <= budget);
      const server = await ctx.startServer(name);
      const client = await ctx.startLoadClient();
      let ramp: RampResult;
      try {
        ramp = await runRamp({
          server,
          serverCore: ctx.serverCore,
          client,
          url: server.url(movie.name),
          transport,
          steps,
          warmupMs: ctx.quick ? 1_000 : 3_000,
          measureMs: ctx.quick ? 2_500 : 10_000,
          slices: 5,
          setupConcurrency: 64,
          measureLatency: false,
          readBatchMs: 20,
          deadlineMs: Math.min(ctx.runDeadlineMs, performance.now() + (ctx.quick ? 20_000 : 120_000)),
          noiseRetries: 1,
          log: ctx.log,
        });
      } finally {
        await client.stop();
      }
      return summarizeRamp(ramp, transport, TARGET_US[transport], `${transport}: N readers of a 1.5 Mbit/s movie`, [
        `Steps limited to ${budget} readers by the load client's descriptor limit.`,
      ]);
    },
  };
}

export function summarizeRamp(ramp: RampResult, transport: MediaTransport, targetUs: number | null, title: string, notes: string[]): ScenarioResult {
  const clean = ramp.steps.filter((s) => s.verdict === 'clean');
  const atLargest = clean[clean.length - 1] ?? null;
  const highestMeasured = ramp.steps[ramp.steps.length - 1] ?? null;
  // Per-packet cost is most meaningful under load: take it at the largest clean step.
  const usAtLargest = atLargest ? (atLargest.serverUsPerPacketSlices.median ?? atLargest.serverUsPerPacket) : null;
  const comparisons: Comparison[] =
    targetUs === null
      ? []
      : [
          {
            figure: `server CPU per delivered packet (${transport}, at largest clean N)`,
            value: usAtLargest,
            unit: 'µs',
            target: `≤ ${targetUs}`,
            meets: usAtLargest === null ? null : usAtLargest <= targetUs,
          },
        ];
  return {
    status: 'ok',
    summary: {
      largestCleanN: ramp.largestCleanN,
      stoppedBecause: ramp.stoppedBecause,
      clientLimited: ramp.clientLimited,
      serverUsPerPacketAtLargestCleanN: usAtLargest,
      packetsPerSecondAtLargestCleanN: atLargest?.packetsPerSecond ?? null,
      mbitPerSecondAtLargestCleanN: atLargest?.mbitPerSecond ?? null,
      serverCpuPercentAtLargestCleanN: atLargest?.serverCpuPercent ?? null,
      serverUsPerPacketAtHighestStep: highestMeasured ? (highestMeasured.serverUsPerPacketSlices.median ?? highestMeasured.serverUsPerPacket) : null,
    },
    comparisons,
    tables: [rampTable(title, ramp, ramp.steps.some((s) => s.latencyMs !== null))],
    details: ramp,
    notes: [
      `Largest clean N: ${ramp.largestCleanN ?? 'none'}; stopped: ${ramp.stoppedBecause}${ramp.clientLimited ? ' (the load client, not the server, was the limit)' : ''}.`,
      ...notes,
    ],
  };
}
