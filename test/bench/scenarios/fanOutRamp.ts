import type { LoadClientProcess } from '../harness/loadClientProcess.js';
import { clockTicks, networkCounters, networkDelta, processCpu, systemCpu, type NetworkCounters } from '../harness/procStats.js';
import type { ServerUnderTest } from '../harness/serverUnderTest.js';
import { median } from '../loadClient/percentiles.js';
import type { ClientSnapshot, MediaTransport, Percentiles } from '../loadClient/protocol.js';
import { fmt, sleep, type PrintableTable } from './scenario.js';

/**
 * The fan-out ramp shared by on-demand and live scenarios: for each N, open N readers
 * (one TCP connection each), let them settle, measure a fixed window in slices, tear
 * everything down, and go on to the next N until a step is not clean: packets lost
 * (> 0.1 %), set-ups failed, delivery fell behind real time, or the load client
 * saturated its core. The figure that stays comparable when the client is the limit is
 * the server's CPU time per packet the readers received.
 */
export interface RampOptions {
  readonly server: ServerUnderTest;
  /** The core the server is pinned to (its contention is the noise that matters most), or null. */
  readonly serverCore: number | null;
  readonly client: LoadClientProcess;
  readonly url: string;
  readonly transport: MediaTransport;
  readonly steps: readonly number[];
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly slices: number;
  readonly setupConcurrency: number;
  readonly measureLatency: boolean;
  /** TCP readers read at most once per this many ms (0: as data arrives); not with latency. */
  readonly readBatchMs: number;
  /** Stop ramping (before starting a step) once past this time (performance.now()). */
  readonly deadlineMs: number;
  /** Times a step spoiled by other work on the machine is run again. */
  readonly noiseRetries: number;
  readonly log: (line: string) => void;
}

export type StepVerdict = 'clean' | 'loss' | 'set-up failures' | 'behind real time' | 'client saturated' | 'server died' | 'sessions ended early';

export interface StepResult {
  readonly sessions: number;
  readonly opened: number;
  readonly failed: number;
  readonly setupErrors: readonly string[];
  readonly setupMs: Percentiles;
  readonly packetsPerSecond: number;
  readonly mbitPerSecond: number;
  /** Fraction: gaps / expected in the window. */
  readonly loss: number;
  /** Media time delivered / wall time, per session, averaged. */
  readonly realTime: number;
  /** Server CPU as % of one core, and the part of it spent in the kernel (system time). */
  readonly serverCpuPercent: number;
  readonly serverSystemPercent: number;
  /** Server CPU µs per packet the clients received: whole window, and median/min/max of the slices. */
  readonly serverUsPerPacket: number;
  readonly serverUsPerPacketSlices: { readonly median: number | null; readonly min: number | null; readonly max: number | null };
  readonly serverRssMb: number | null;
  readonly serverPeakRssMb: number | null;
  readonly serverThreads: number | null;
  readonly clientCpuPercent: number;
  readonly clientSystemPercent: number;
  /** The part of clientCpuPercent that udpReceiver.c used. */
  readonly clientHelperPercent: number;
  readonly clientLoopUtilization: number;
  /** CPU used by everything else on the machine during the window, % of one core (noise). */
  readonly otherCpuPercent: number;
  /** CPU used by other processes on the server's own core, % of that core (null when not pinned). */
  readonly serverCoreOtherPercent: number | null;
  readonly network: NetworkCounters;
  readonly endedByServer: number;
  readonly latencyMs: Percentiles | null;
  readonly verdict: StepVerdict;
  /** Earlier runs of this step that were not clean while other work loaded the machine. */
  readonly noisyAttempts: readonly StepResult[];
}

export interface RampResult {
  readonly steps: readonly StepResult[];
  readonly largestCleanN: number | null;
  readonly stoppedBecause: string;
  readonly clientLimited: boolean;
}

const LOSS_LIMIT = 0.001;
/** Other processes using more than this (% of one core) during a step make it noisy. */
const NOISE_LIMIT = 25;
const NOISE_PAUSE_MS = 5_000;
const REAL_TIME_LIMIT = 0.97;
const CLIENT_SATURATED_CPU = 90;
const CLIENT_SATURATED_LOOP = 0.95;

interface Sample {
  readonly wallMs: number;
  readonly serverCpu: number;
  readonly serverSystem: number;
  readonly client: ClientSnapshot;
  readonly system: ReturnType<typeof systemCpu>;
  readonly serverCore: ReturnType<typeof systemCpu> | null;
  readonly runnerCpuUs: number;
}

async function sample(server: ServerUnderTest, client: LoadClientProcess, serverCore: number | null): Promise<Sample> {
  const clientSnapshot = await client.snapshot();
  const cpu = process.cpuUsage();
  const serverCpu = processCpu(server.pid);
  return {
    wallMs: performance.now(),
    serverCpu: serverCpu === null ? NaN : serverCpu.userSeconds + serverCpu.systemSeconds,
    serverSystem: serverCpu === null ? NaN : serverCpu.systemSeconds,
    client: clientSnapshot,
    system: systemCpu(),
    serverCore: serverCore === null ? null : systemCpu(serverCore),
    runnerCpuUs: cpu.user + cpu.system,
  };
}

export async function runRamp(o: RampOptions): Promise<RampResult> {
  const steps: StepResult[] = [];
  let stoppedBecause = 'all steps clean';
  let clientLimited = false;
  for (const n of o.steps) {
    // The first step always runs, so every ramp reports something.
    if (steps.length > 0 && performance.now() > o.deadlineMs) {
      stoppedBecause = `time budget used up before N=${n}`;
      break;
    }
    if (!o.server.alive) {
      stoppedBecause = 'server died';
      break;
    }
    // A step spoiled while other work took the CPU says nothing about the server: run it again.
    const noisyAttempts: StepResult[] = [];
    let step = await runStep(o, n);
    while (step.verdict !== 'clean' && step.verdict !== 'server died' && isNoisy(step) && noisyAttempts.length < o.noiseRetries && performance.now() < o.deadlineMs) {
      o.log(`  N=${n}: ${step.verdict} while other work used ${fmt(noiseOf(step), 0)} % of ${step.serverCoreOtherPercent === null ? 'a' : "the server's"} core: retrying in ${NOISE_PAUSE_MS / 1000} s`);
      noisyAttempts.push(step);
      await sleep(NOISE_PAUSE_MS);
      step = await runStep(o, n);
    }
    const result: StepResult = { ...step, noisyAttempts };
    steps.push(result);
    if (result.verdict !== 'clean') {
      stoppedBecause = `N=${n}: ${result.verdict}${isNoisy(result) ? ` (noisy: other work used ${fmt(noiseOf(result), 0)} % of the server's core)` : ''}`;
      clientLimited = result.verdict === 'client saturated';
      break;
    }
  }
  const clean = steps.filter((s) => s.verdict === 'clean');
  return { steps, largestCleanN: clean.length ? clean[clean.length - 1]!.sessions : null, stoppedBecause, clientLimited };
}

/** Other work on the server's core when pinned (what slows the server), else on the machine. */
function noiseOf(step: StepResult): number {
  return step.serverCoreOtherPercent ?? step.otherCpuPercent;
}

function isNoisy(step: StepResult): boolean {
  return noiseOf(step) > NOISE_LIMIT;
}

async function runStep(o: RampOptions, n: number): Promise<StepResult> {
  const ticksPerSecond = clockTicks();
  o.log(`  N=${n}: opening ${n} ${o.transport} readers…`);
  const opened = await o.client.open({
    port: o.server.port,
    url: o.url,
    transport: o.transport,
    count: n,
    concurrency: o.setupConcurrency,
    // A server that stops answering set-ups fails the step; no need to wait out every timeout.
    maxFailures: Math.max(16, Math.ceil(n * 0.02)),
    measureLatency: o.measureLatency,
    readBatchMs: o.readBatchMs,
  });
  await sleep(o.warmupMs);
  const netBefore = networkCounters();
  const samples: Sample[] = [await sample(o.server, o.client, o.serverCore)];
  for (let i = 0; i < o.slices; i++) {
    await sleep(o.measureMs / o.slices);
    samples.push(await sample(o.server, o.client, o.serverCore));
  }
  const net = networkDelta(netBefore, networkCounters());
  const memory = o.server.memory();
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const wallS = (last.wallMs - first.wallMs) / 1000;
  const clientWallS = (last.client.atMs - first.client.atMs) / 1000;
  const packets = last.client.packets - first.client.packets;
  const bytes = last.client.bytes - first.client.bytes;
  const gaps = last.client.gaps - first.client.gaps;
  const expected = last.client.expected - first.client.expected;
  const serverCpuS = last.serverCpu - first.serverCpu;
  const clientTotalUs = (c: ClientSnapshot): number => c.cpuUserUs + c.cpuSystemUs + c.helperCpuUserUs + c.helperCpuSystemUs;
  // The load client's cost includes its UDP receiver helper (same core).
  const clientCpuS = (clientTotalUs(last.client) - clientTotalUs(first.client)) / 1e6;
  const loopActive = last.client.loopActiveMs - first.client.loopActiveMs;
  const loopIdle = last.client.loopIdleMs - first.client.loopIdleMs;
  const systemBusyS = (last.system.busyTicks - first.system.busyTicks) / ticksPerSecond;
  const runnerS = (last.runnerCpuUs - first.runnerCpuUs) / 1e6;
  const sliceUs: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const p = samples[i]!.client.packets - samples[i - 1]!.client.packets;
    if (p > 0) sliceUs.push(((samples[i]!.serverCpu - samples[i - 1]!.serverCpu) * 1e6) / p);
  }
  const playing = Math.max(1, opened.opened);
  const endedByServer = last.client.sessionsEndedByServer - first.client.sessionsEndedByServer;
  const step: Omit<StepResult, 'verdict' | 'noisyAttempts'> = {
    sessions: n,
    opened: opened.opened,
    failed: opened.failed,
    setupErrors: opened.errors,
    setupMs: opened.setupMs,
    packetsPerSecond: packets / wallS,
    mbitPerSecond: (bytes * 8) / wallS / 1e6,
    loss: expected > 0 ? Math.max(0, gaps) / expected : 0,
    realTime: (last.client.mediaSeconds - first.client.mediaSeconds) / (playing * clientWallS),
    serverCpuPercent: (100 * serverCpuS) / wallS,
    serverSystemPercent: (100 * (last.serverSystem - first.serverSystem)) / wallS,
    serverUsPerPacket: packets > 0 ? (serverCpuS * 1e6) / packets : NaN,
    serverUsPerPacketSlices: {
      median: median(sliceUs),
      min: sliceUs.length ? Math.min(...sliceUs) : null,
      max: sliceUs.length ? Math.max(...sliceUs) : null,
    },
    serverRssMb: memory ? memory.rssKb / 1024 : null,
    serverPeakRssMb: memory ? memory.peakRssKb / 1024 : null,
    serverThreads: processCpu(o.server.pid)?.threads ?? null,
    clientCpuPercent: (100 * clientCpuS) / clientWallS,
    clientSystemPercent: (100 * (last.client.cpuSystemUs + last.client.helperCpuSystemUs - first.client.cpuSystemUs - first.client.helperCpuSystemUs)) / 1e6 / clientWallS,
    clientHelperPercent: (100 * (last.client.helperCpuUserUs + last.client.helperCpuSystemUs - first.client.helperCpuUserUs - first.client.helperCpuSystemUs)) / 1e6 / clientWallS,
    clientLoopUtilization: loopActive + loopIdle > 0 ? loopActive / (loopActive + loopIdle) : 0,
    otherCpuPercent: Math.max(0, (100 * (systemBusyS - serverCpuS - clientCpuS - runnerS)) / wallS),
    serverCoreOtherPercent:
      last.serverCore && first.serverCore ? Math.max(0, (100 * ((last.serverCore.busyTicks - first.serverCore.busyTicks) / ticksPerSecond - serverCpuS)) / wallS) : null,
    network: net,
    endedByServer,
    latencyMs: o.measureLatency ? last.client.latencyMs : null,
  };
  const verdict: StepVerdict = !o.server.alive
    ? 'server died'
    : step.failed > 0
      ? 'set-up failures'
      : step.clientCpuPercent >= CLIENT_SATURATED_CPU || step.clientLoopUtilization >= CLIENT_SATURATED_LOOP
        ? 'client saturated'
        : step.loss > LOSS_LIMIT
          ? 'loss'
          : step.endedByServer > 0
            ? 'sessions ended early'
            : step.realTime < REAL_TIME_LIMIT
              ? 'behind real time'
              : 'clean';
  const result: StepResult = { ...step, verdict, noisyAttempts: [] };
  o.log(
    `  N=${n}: ${verdict}; ${fmt(result.packetsPerSecond, 0)} pkt/s, loss ${fmt(result.loss * 100, 3)} %, real time ${fmt(result.realTime, 3)}, ` +
      `server ${fmt(result.serverCpuPercent, 0)} % CPU, ${fmt(result.serverUsPerPacket, 2)} µs/pkt, client ${fmt(result.clientCpuPercent, 0)} % CPU, ` +
      `other work ${fmt(result.otherCpuPercent, 0)} % (${fmt(result.serverCoreOtherPercent, 0)} % on the server's core)` +
      (result.network.listenOverflows > 0 ? `, ${result.network.listenOverflows} listen overflows` : '') +
      (result.failed > 0 ? `; set-up failures: ${result.setupErrors.join('; ')}` : ''),
  );
  await o.client.closeAll();
  await sleep(1000);
  return result;
}

export function rampTable(title: string, ramp: RampResult, withLatency: boolean): PrintableTable {
  const columns = [
    'N',
    'set-ups ok/failed',
    'set-up p99 ms',
    'pkt/s',
    'Mbit/s',
    'loss %',
    'real time',
    'server CPU %',
    'server µs/pkt',
    'server RSS MB',
    'client CPU %',
    'other % all/srv core',
    ...(withLatency ? ['latency p50/p99/max ms'] : []),
    'verdict',
  ];
  const rows = ramp.steps.map((s) => [
    String(s.sessions),
    `${s.opened}/${s.failed}`,
    fmt(s.setupMs.p99, 1),
    fmt(s.packetsPerSecond, 0),
    fmt(s.mbitPerSecond, 0),
    fmt(s.loss * 100, 3),
    fmt(s.realTime, 3),
    fmt(s.serverCpuPercent, 0),
    fmt(s.serverUsPerPacketSlices.median ?? s.serverUsPerPacket, 2),
    fmt(s.serverRssMb, 0),
    fmt(s.clientCpuPercent, 0),
    `${fmt(s.otherCpuPercent, 0)}/${fmt(s.serverCoreOtherPercent, 0)}`,
    ...(withLatency ? [s.latencyMs ? `${fmt(s.latencyMs.p50, 1)}/${fmt(s.latencyMs.p99, 1)}/${fmt(s.latencyMs.max, 1)}` : '–'] : []),
    s.verdict + (isNoisy(s) ? ' (noisy)' : '') + (s.noisyAttempts.length ? ` (${s.noisyAttempts.length} noisy retries)` : ''),
  ]);
  return { title, columns, rows };
}

/** Readers the load client can hold within its descriptor limit (a UDP reader of two tracks uses five). */
export function descriptorBudget(transport: MediaTransport, limit: number | null): number {
  const perSession = transport === 'UDP' ? 5 : 1;
  return Math.floor(((limit ?? 1024) - 256) / perSession);
}
