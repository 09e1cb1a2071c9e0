import { spawn, type ChildProcess } from 'node:child_process';
import { track } from '../harness/processes.js';
import { openFilesLimit } from '../harness/procStats.js';
import type { MediaTransport } from '../loadClient/protocol.js';
import { descriptorBudget, runRamp, type RampResult } from './fanOutRamp.js';
import { summarizeRamp } from './onDemandFanOut.js';
import { skipped, sleep, type BenchContext, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * Live fan-out: one stream published into the server by ffmpeg (ANNOUNCE/RECORD,
 * `-re -stream_loop -1 … -c copy -f rtsp`), read by N readers over UDP or TCP, ramped
 * like on-demand, plus ingest-to-egress latency: ffmpeg publishes through the load
 * client's ingest probe (a pass-through TCP relay that notes when each RTP packet went
 * in), and readers time the same packets coming out.
 *
 * Until the server takes publishers it answers ANNOUNCE with 501 and these scenarios
 * skip, saying so; nothing here needs changing when it does.
 */
const FULL_STEPS = [100, 200, 400, 600, 800, 1000, 1200, 1600, 2000, 2400, 3200];
const QUICK_STEPS = [100, 400];
const LIVE_PATH = 'live.sdp';

export function liveFanOut(transport: MediaTransport): Scenario {
  const name = `live-${transport.toLowerCase()}`;
  return {
    name,
    title: `Live fan-out over ${transport} (one publisher, N readers)`,
    async run(ctx: BenchContext): Promise<ScenarioResult> {
      const movie = await ctx.movie();
      if (!movie) return skipped('ffmpeg not found: cannot publish a live stream');
      const server = await ctx.startServer(name);
      const client = await ctx.startLoadClient();
      let publisher: ChildProcess | null = null;
      let publisherLog = '';
      try {
        // Does the server take publishers at all? Probe with the movie's own SDP.
        const described = (await client.call({ cmd: 'describe', port: server.port, url: server.url(movie.name) })) as { status: number; sdp: string };
        if (described.status !== 200) return skipped(`DESCRIBE of the bench movie answered ${described.status}`);
        const probe = (await client.call({ cmd: 'probeAnnounce', port: server.port, url: server.url('bench-probe.sdp'), sdp: described.sdp })) as {
          status: number;
          reason: string;
        };
        if (probe.status === 501) {
          return skipped(`the server answers ANNOUNCE with 501 ${probe.reason}: live ingest (ANNOUNCE/RECORD) is not implemented yet, so ${name} was NOT measured`);
        }
        if (probe.status < 200 || probe.status > 299) {
          return skipped(`the server refused the ANNOUNCE probe with ${probe.status} ${probe.reason}; ${name} NOT measured`);
        }

        const ingest = (await client.call({ cmd: 'startIngestProbe', serverPort: server.port })) as { port: number };
        const target = `rtsp://127.0.0.1:${ingest.port}/${LIVE_PATH}`;
        const args = ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', movie.file, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', target];
        // The publisher shares the load client's core: the server's core stays the server's.
        const command = ctx.clientCore === null ? movie.ffmpeg : 'taskset';
        const commandArgs = ctx.clientCore === null ? args : ['-c', String(ctx.clientCore), movie.ffmpeg, ...args];
        publisher = track(spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] }));
        publisher.stderr!.on('data', (d: Buffer) => (publisherLog += d.toString()));
        const live = await waitForLive(ctx, client, server.port, server.url(LIVE_PATH), publisher);
        if (!live.ok) return { ...skipped(`the live stream never became readable: ${live.reason}`), notes: [publisherLog.slice(-2000)] };

        const budget = descriptorBudget(transport, openFilesLimit());
        let ramp: RampResult;
        ramp = await runRamp({
          server,
          serverCore: ctx.serverCore,
          client,
          url: server.url(LIVE_PATH),
          transport,
          steps: (ctx.steps ?? (ctx.quick ? QUICK_STEPS : FULL_STEPS)).filter((n) => n <= budget),
          warmupMs: ctx.quick ? 1_000 : 3_000,
          measureMs: ctx.quick ? 2_500 : 10_000,
          slices: 5,
          setupConcurrency: 64,
          measureLatency: true,
          readBatchMs: 0,
          // 150 s: enough for the steps up to the 2,000 readers the live targets name (about 18 s a step).
          deadlineMs: Math.min(ctx.runDeadlineMs, performance.now() + (ctx.quick ? 20_000 : 150_000)),
          noiseRetries: 1,
          log: ctx.log,
        });
        if (publisher.exitCode !== null) ramp = { ...ramp, stoppedBecause: `${ramp.stoppedBecause}; the publisher exited (${publisher.exitCode})` };
        const result = summarizeRamp(ramp, transport, null, `Live ${transport}: one 1.5 Mbit/s publisher, N readers`, [
          'Latency is ingest (publisher packet into the server) to egress (the same payload at a reader), both timed by the load client.',
        ]);
        const clean = ramp.steps.filter((s) => s.verdict === 'clean');
        const last = clean[clean.length - 1];
        return {
          ...result,
          summary: {
            ...result.summary,
            latencyAtLargestCleanN: last?.latencyMs ?? null,
          },
        };
      } finally {
        if (publisher && publisher.exitCode === null) publisher.kill('SIGKILL');
        await client.call({ cmd: 'stopIngestProbe' }).catch(() => null);
        await client.stop();
      }
    },
  };
}

async function waitForLive(
  ctx: BenchContext,
  client: { call(c: { cmd: 'describe'; port: number; url: string }): Promise<unknown> },
  port: number,
  url: string,
  publisher: ChildProcess,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = performance.now() + 15_000;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (publisher.exitCode !== null) return { ok: false, reason: `ffmpeg exited with ${publisher.exitCode}` };
    const res = (await client.call({ cmd: 'describe', port, url }).catch((e: Error) => ({ status: 0, sdp: e.message }))) as { status: number; sdp: string };
    if (res.status === 200) {
      ctx.log(`  ${url} is live`);
      return { ok: true };
    }
    last = `DESCRIBE ${res.status}`;
    await sleep(250);
  }
  return { ok: false, reason: `${last} after 15 s` };
}
