import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, compileC } from '../harness/build.js';
import { track } from '../harness/processes.js';
import { clockTicks, processCpu, systemCpu } from '../harness/procStats.js';
import { median } from '../loadClient/percentiles.js';
import { UdpReceiverHelper } from '../loadClient/udpReceiverHelper.js';
import { fmt, skipped, sleep, type BenchContext, type PrintableTable, type Scenario, type ScenarioResult } from './scenario.js';

/**
 * The machine's floor: what delivering one RTP-sized packet over loopback costs at the
 * least, so that the server's "µs per delivered packet" can be read against it.
 *
 * On loopback the kernel carries each datagram (or TCP segment) into the receiver's
 * socket in the sender's own context, so the sender's CPU time per packet is the
 * whole cost any user-space server pays on this machine. Every sender runs pinned to
 * the server's core, alone, with no project code, while the receivers run on the load
 * client's core exactly as in the fan-out scenarios:
 *
 * - UDP: udpReceiver.c (the load client's receiver: epoll + recvmmsg, a 10 ms pause
 *   between rounds, 8 MB buffers) binds N = 400 ports; the senders send one datagram
 *   to each port in turn, a burst of 400 every 6.7 ms (60,000 datagrams a second, the
 *   rate of the live scenario at 400 readers), with
 *   - `sendto`, one system call per datagram (udpFloorSender.c),
 *   - `sendmmsg`, 64 datagrams per system call (the same program),
 *   - Node's `dgram` `socket.send(packet, port, '127.0.0.1')` (nodeFloorSender.ts);
 * - TCP: tcpFloorReader.c accepts N = 400 connections and drains them every 20 ms (as
 *   the load client's TCP readers do); nodeFloorSender.ts writes packets framed as
 *   RTSP interleaved data, 1, 3 or 10 packets per `socket.write`, at the same 60,000
 *   packets a second: what gathering several packets into one write can buy.
 *
 * CPU per packet is the sender's own getrusage (user + system) over the measured
 * window ÷ packets sent in it. Each method runs three times (once with --quick),
 * interleaved, and the median run is reported; every run is in the details, with
 * the receiver's CPU, what arrived, ksoftirqd's share on the sender's core (kernel
 * work deferred there is not charged to the sender) and other work on that core.
 */
const PORTS = 400;
const PACKETS_PER_SECOND = 60_000;
/**
 * The bench movie's average RTP datagram (12-byte header + payload) as the server sends
 * it: 1,072–1,081 bytes in every on-demand step measured (e.g. 679 Mbit/s at 78,600
 * packets/s): 1,400-byte video packets, the last of each frame shorter, and small AAC
 * packets. (ffmpeg packetizes the live stream into larger ones, about 1,330 bytes.)
 */
const PACKET_BYTES = 1_080;
const TCP_BATCHES = [1, 3, 10] as const;
/** The load client's polling: udpReceiver.c's default pause, its TCP readers' batch interval. */
const UDP_RECEIVER_INTERVAL_US = 10_000;
const TCP_READER_INTERVAL_US = 20_000;
const UDP_RECEIVE_BUFFER = 8 * 1024 * 1024;
/**
 * Below the load client's range (10,000–32,700) and the ephemeral range: other work on
 * the machine may be streaming to client ports it announced without binding them.
 */
const FIRST_PORT = 4_000;
const LAST_PORT = 9_998;
const QUIET_CHECK_MS = 300;
/** Other work on the sender's core above this (% of the core) marks a run as noisy, as in the fan-out ramps. */
const NOISE_LIMIT = 25;

type MethodKey = 'c-sendto' | 'c-sendmmsg' | 'node-dgram' | `node-tcp-${(typeof TCP_BATCHES)[number]}`;

interface Method {
  readonly key: MethodKey;
  readonly label: string;
  readonly transport: 'UDP' | 'TCP';
  /** Program and arguments, before the timing arguments are known. */
  command(timing: Timing): { file: string; args: string[] };
}

interface Timing {
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface FloorRun {
  readonly method: MethodKey;
  readonly round: number;
  /** Packets sent in the measured window, and their rate. */
  readonly packets: number;
  readonly packetsPerSecond: number;
  readonly userUsPerPacket: number;
  readonly systemUsPerPacket: number;
  readonly totalUsPerPacket: number;
  /** The receiver's CPU (core 1) over the window ÷ packets. */
  readonly receiverUsPerPacket: number | null;
  /** ksoftirqd on the sender's core over the window ÷ packets (kernel work not charged to the sender). */
  readonly softirqdUsPerPacket: number | null;
  /** Packets the receiver counted ÷ packets sent over the whole run (warm-up included). */
  readonly delivered: number;
  readonly sent: number;
  readonly sendErrors: number;
  /** The latest a burst went out in the window, ms (a sender keeping pace stays near 0). */
  readonly behindMs: number;
  /** Bursts dropped in the window because they were over one interval late (the sender was starved). */
  readonly droppedBursts: number;
  /** Bytes still queued in user space at the end (Node). */
  readonly queuedBytes: number;
  /** CPU used by other work on the sender's core during the window, % of that core. */
  readonly senderCoreOtherPercent: number | null;
  readonly raw: Record<string, number>;
}

export interface MethodSummary {
  readonly method: MethodKey;
  readonly label: string;
  readonly runs: number;
  readonly packets: number;
  /** The run with the median total CPU per packet. */
  readonly median: FloorRun;
  readonly totalUsPerPacketMin: number;
  readonly totalUsPerPacketMax: number;
}

export const loopbackFloor: Scenario = {
  name: 'loopback-floor',
  title: `Machine floor: sender CPU per ${PACKET_BYTES.toLocaleString('en-US')}-byte packet over loopback to ${PORTS} receivers (C sendto/sendmmsg, Node dgram, Node TCP)`,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const started = performance.now();
    if (ctx.build.udpReceiver === null) return skipped(`udpReceiver.c was not built (${ctx.build.udpReceiverProblem?.trim()}): no receiver for the floor`);
    const outDir = path.join(benchDir, '.build');
    const cSender = path.join(outDir, 'udpFloorSender');
    const tcpReader = path.join(outDir, 'tcpFloorReader');
    for (const [source, binary] of [
      ['udpFloorSender.c', cSender],
      ['tcpFloorReader.c', tcpReader],
    ] as const) {
      const problem = compileC(path.join(benchDir, 'floor', source), binary);
      if (problem) return skipped(`${source} not built: ${problem.trim()}`);
    }
    const nodeSender = path.join(outDir, 'test', 'bench', 'floor', 'nodeFloorSender.js');
    if (!existsSync(nodeSender)) return skipped(`${nodeSender} was not built`);

    const timing: Timing = ctx.quick ? { warmupMs: 300, measureMs: 1_500 } : { warmupMs: 500, measureMs: 2_000 };
    const rounds = ctx.quick ? 1 : 3;
    // Bounded: under 60 s in all (20 s with --quick); a run starts only if it can end by then.
    const deadline = started + (ctx.quick ? 18_500 : 56_000);
    const runBudgetMs = timing.warmupMs + timing.measureMs + 1_000;

    const helper = UdpReceiverHelper.start(ctx.build.udpReceiver, UDP_RECEIVER_INTERVAL_US, UDP_RECEIVE_BUFFER, ctx.clientCore);
    track(helper.process);
    let reader: TcpReader | null = null;
    const senders = new Set<ChildProcess>();
    try {
      const ports = await openPorts(helper, PORTS);
      reader = await TcpReader.start(tcpReader, TCP_READER_INTERVAL_US, ctx.clientCore);
      const readerPort = reader.port;
      const methods: Method[] = [
        { key: 'c-sendto', label: 'C sendto, 1 datagram per call', transport: 'UDP', command: (t) => ({ file: cSender, args: cArgs('sendto', t, ports) }) },
        { key: 'c-sendmmsg', label: 'C sendmmsg, 64 datagrams per call', transport: 'UDP', command: (t) => ({ file: cSender, args: cArgs('sendmmsg', t, ports) }) },
        {
          key: 'node-dgram',
          label: "Node dgram send(buf, port, '127.0.0.1')",
          transport: 'UDP',
          command: (t) => ({ file: process.execPath, args: [nodeSender, 'dgram', ...timingArgs(t), ...ports.map(String)] }),
        },
        ...TCP_BATCHES.map(
          (batch): Method => ({
            key: `node-tcp-${batch}`,
            label: `Node TCP, ${batch} packet${batch === 1 ? '' : 's'} per write`,
            transport: 'TCP',
            command: (t) => ({ file: process.execPath, args: [nodeSender, 'tcp', ...timingArgs(t), String(batch), String(readerPort), String(PORTS)] }),
          }),
        ),
      ];
      ctx.log(`  ${PORTS} UDP ports bound by udpReceiver.c and a TCP reader on port ${readerPort}${ctx.clientCore === null ? '' : `, both on core ${ctx.clientCore}`}; senders on core ${ctx.serverCore ?? '(unpinned)'}`);

      const runs: FloorRun[] = [];
      allRounds: for (let round = 1; round <= rounds; round++) {
        for (const method of methods) {
          if (round > 1 && performance.now() + runBudgetMs > deadline) {
            ctx.log(`  time budget used up in round ${round}, before ${method.key}`);
            break allRounds;
          }
          const run = await measure(method, round, timing, { ctx, helper, reader, senders });
          runs.push(run);
          ctx.log(
            `  round ${round} ${method.key}: ${fmt(run.totalUsPerPacket, 2)} µs/pkt (user ${fmt(run.userUsPerPacket, 2)}, sys ${fmt(run.systemUsPerPacket, 2)}), ` +
              `${fmt(run.packetsPerSecond, 0)} pkt/s, receiver ${fmt(run.receiverUsPerPacket, 2)} µs/pkt, delivered ${fmt(run.delivered * 100, 2)} %, ` +
              `other work ${fmt(run.senderCoreOtherPercent, 0)} % of the sender's core`,
          );
        }
      }
      return summarize(methods, runs, timing, ctx);
    } finally {
      for (const child of senders) child.kill('SIGKILL');
      helper.stop();
      await reader?.stop();
    }
  },
};

function timingArgs(t: Timing): string[] {
  return [String(PACKETS_PER_SECOND), String(PACKET_BYTES), String(t.warmupMs), String(t.measureMs)];
}

function cArgs(method: 'sendto' | 'sendmmsg', t: Timing, ports: readonly number[]): string[] {
  return [method, ...timingArgs(t), ...ports.map(String)];
}

/**
 * Binds `count` quiet ports in udpReceiver.c: ports something else holds are skipped,
 * and so are ports that receive anything during a short quiet spell (another program's
 * server may still be sending to a port its client no longer binds).
 */
async function openPorts(helper: UdpReceiverHelper, count: number): Promise<number[]> {
  const quiet: number[] = [];
  let port = FIRST_PORT;
  for (let attempt = 0; attempt < 8 && quiet.length < count; attempt++) {
    const candidates: number[] = [];
    for (; port <= LAST_PORT && candidates.length < count - quiet.length; port += 2) candidates.push(port);
    if (candidates.length === 0) break;
    // All at once: the helper answers in order, and one round takes every command.
    const answers = await Promise.allSettled(candidates.map((p) => helper.open(p)));
    const opened = new Map<number, number>();
    answers.forEach((answer, i) => {
      // A rejected one was taken by something else.
      if (answer.status === 'fulfilled') opened.set(answer.value, candidates[i]!);
    });
    await sleep(QUIET_CHECK_MS);
    const counters = await helper.snapshot();
    for (const [slot, p] of opened) {
      if ((counters.get(slot)?.packets ?? 0) === 0) quiet.push(p);
      else helper.close(slot);
    }
  }
  if (quiet.length < count) throw new Error(`found only ${quiet.length} of ${count} free, quiet UDP ports between ${FIRST_PORT} and ${LAST_PORT}`);
  return quiet;
}

interface Environment {
  readonly ctx: BenchContext;
  readonly helper: UdpReceiverHelper;
  readonly reader: TcpReader;
  readonly senders: Set<ChildProcess>;
}

interface WindowMark {
  readonly core: ReturnType<typeof systemCpu> | null;
  readonly receiverSeconds: number;
  readonly softirqdSeconds: number | null;
}

async function measure(method: Method, round: number, timing: Timing, env: Environment): Promise<FloorRun> {
  const { ctx, helper, reader, senders } = env;
  const receiverPid = method.transport === 'UDP' ? helper.pid : reader.pid;
  const softirqd = kernelThreadPid(`ksoftirqd/${ctx.serverCore ?? 0}`);
  const mark = (): WindowMark => ({
    core: ctx.serverCore === null ? null : systemCpu(ctx.serverCore),
    receiverSeconds: cpuSeconds(receiverPid) ?? NaN,
    softirqdSeconds: softirqd === null ? null : cpuSeconds(softirqd),
  });
  const receivedBefore = method.transport === 'UDP' ? await udpPackets(helper) : await reader.packets();

  const { file, args } = method.command(timing);
  const command = ctx.serverCore === null ? file : 'taskset';
  const commandArgs = ctx.serverCore === null ? args : ['-c', String(ctx.serverCore), file, ...args];
  const child = track(spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] }));
  senders.add(child);
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  let from: WindowMark | null = null;
  let to: WindowMark | null = null;
  let resultLine = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method.key} did not finish in time`)), timing.warmupMs + timing.measureMs + 15_000);
      let partial = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (line === 'measuring') from = mark();
          else if (line.startsWith('result ')) {
            to = mark();
            resultLine = line;
          }
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && resultLine !== '') resolve();
        else reject(new Error(`${method.key} exited with ${signal ?? code}: ${errors.trim().slice(-2000)}`));
      });
    });
  } finally {
    child.kill('SIGKILL');
    senders.delete(child);
  }
  // Let the receiver's next rounds take what is still queued.
  await sleep(method.transport === 'UDP' ? 60 : 120);
  const receivedAfter = method.transport === 'UDP' ? await udpPackets(helper) : await reader.packets();

  const raw = Object.fromEntries([...resultLine.matchAll(/(\w+)=(-?\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const packets = raw.packets ?? 0;
  const windowS = (raw.wall_us ?? 0) / 1e6;
  const senderS = ((raw.user_us ?? 0) + (raw.sys_us ?? 0)) / 1e6;
  const a = from as WindowMark | null;
  const b = to as WindowMark | null;
  const perPacket = (seconds: number | null): number | null => (seconds === null || !Number.isFinite(seconds) || packets === 0 ? null : (seconds * 1e6) / packets);
  const coreBusyS = a?.core && b?.core ? (b.core.busyTicks - a.core.busyTicks) / clockTicks() : null;
  return {
    method: method.key,
    round,
    packets,
    packetsPerSecond: windowS > 0 ? packets / windowS : NaN,
    userUsPerPacket: packets ? (raw.user_us ?? 0) / packets : NaN,
    systemUsPerPacket: packets ? (raw.sys_us ?? 0) / packets : NaN,
    totalUsPerPacket: packets ? (senderS * 1e6) / packets : NaN,
    receiverUsPerPacket: a && b ? perPacket(b.receiverSeconds - a.receiverSeconds) : null,
    softirqdUsPerPacket: a && b && a.softirqdSeconds !== null && b.softirqdSeconds !== null ? perPacket(b.softirqdSeconds - a.softirqdSeconds) : null,
    delivered: (raw.sent ?? 0) > 0 ? (receivedAfter - receivedBefore) / raw.sent! : 0,
    sent: raw.sent ?? 0,
    sendErrors: raw.errors ?? 0,
    behindMs: (raw.behind_us ?? 0) / 1000,
    droppedBursts: raw.dropped_bursts ?? 0,
    queuedBytes: raw.queued_bytes ?? 0,
    senderCoreOtherPercent: coreBusyS === null || windowS === 0 ? null : Math.max(0, (100 * (coreBusyS - senderS)) / windowS),
    raw,
  };
}

function summarize(methods: readonly Method[], runs: readonly FloorRun[], timing: Timing, ctx: BenchContext): ScenarioResult {
  const summaries: MethodSummary[] = [];
  for (const method of methods) {
    const mine = runs.filter((r) => r.method === method.key && Number.isFinite(r.totalUsPerPacket));
    if (mine.length === 0) continue;
    const totals = mine.map((r) => r.totalUsPerPacket);
    const mid = median(totals)!;
    // The run nearest the median (the median itself with an odd number of runs).
    const medianRun = mine.reduce((best, r) => (Math.abs(r.totalUsPerPacket - mid) < Math.abs(best.totalUsPerPacket - mid) ? r : best));
    summaries.push({
      method: method.key,
      label: method.label,
      runs: mine.length,
      packets: mine.reduce((sum, r) => sum + r.packets, 0),
      median: medianRun,
      totalUsPerPacketMin: Math.min(...totals),
      totalUsPerPacketMax: Math.max(...totals),
    });
  }
  const byMethod = Object.fromEntries(summaries.map((s) => [s.method, s.median.totalUsPerPacket]));
  const floorTable: PrintableTable = {
    title:
      `Loopback floor: sender CPU per ${PACKET_BYTES.toLocaleString('en-US')}-byte packet, ${PORTS} receivers, ` +
      `${PACKETS_PER_SECOND.toLocaleString('en-US')} pkt/s in bursts (median of ${Math.max(...summaries.map((s) => s.runs))} runs of ${timing.measureMs / 1000} s)`,
    columns: ['method', 'packets', 'pkt/s', 'user µs/pkt', 'sys µs/pkt', 'total µs/pkt', 'total min–max', 'receiver µs/pkt', 'ksoftirqd µs/pkt', 'delivered %', 'other % sender core'],
    rows: summaries.map((s) => [
      s.label,
      s.packets.toLocaleString('en-US'),
      fmt(s.median.packetsPerSecond, 0),
      fmt(s.median.userUsPerPacket, 2),
      fmt(s.median.systemUsPerPacket, 2),
      fmt(s.median.totalUsPerPacket, 2),
      `${fmt(s.totalUsPerPacketMin, 2)}–${fmt(s.totalUsPerPacketMax, 2)}`,
      fmt(s.median.receiverUsPerPacket, 2),
      fmt(s.median.softirqdUsPerPacket, 2),
      fmt(s.median.delivered * 100, 2),
      fmt(s.median.senderCoreOtherPercent, 0),
    ]),
  };
  const runTable: PrintableTable = {
    title: 'Loopback floor: every run',
    columns: ['round', 'method', 'packets', 'user µs/pkt', 'sys µs/pkt', 'total µs/pkt', 'receiver µs/pkt', 'delivered %', 'latest burst ms', 'bursts dropped', 'other % sender core'],
    rows: runs.map((r) => [
      String(r.round),
      r.method,
      r.packets.toLocaleString('en-US'),
      fmt(r.userUsPerPacket, 2),
      fmt(r.systemUsPerPacket, 2),
      fmt(r.totalUsPerPacket, 2),
      fmt(r.receiverUsPerPacket, 2),
      fmt(r.delivered * 100, 2),
      fmt(r.behindMs, 1),
      String(r.droppedBursts),
      fmt(r.senderCoreOtherPercent, 0),
    ]),
  };
  const notes = [
    'Sender CPU = its own getrusage (user + system) over the window ÷ packets sent; on loopback that includes the kernel delivering each packet into the receiving socket, ' +
      "so it is the least any user-space server pays per packet on this machine. Read the server's µs/pkt against the row that sends the way the server does.",
    `Packet: ${PACKET_BYTES} bytes (the bench movie's average RTP datagram as the server sends it); TCP adds the 4-byte interleaved frame. Senders on core ${ctx.serverCore ?? '(unpinned)'}, receivers on core ${ctx.clientCore ?? '(unpinned)'}.`,
  ];
  const foreign = runs.filter((r) => r.delivered > 1.001);
  if (foreign.length) notes.push(`More arrived than was sent (another program sending to the receiver's ports; the receiver's figure is inflated, the sender's is not): ${foreign.map((r) => `${r.method} round ${r.round}`).join(', ')}.`);
  const lost = runs.filter((r) => r.delivered < 0.999 || r.sendErrors > 0);
  if (lost.length) notes.push(`Runs where not every packet arrived or sends failed: ${lost.map((r) => `${r.method} round ${r.round} (${fmt(r.delivered * 100, 2)} %, ${r.sendErrors} errors)`).join('; ')}.`);
  const behind = runs.filter((r) => r.droppedBursts > 0);
  if (behind.length) {
    notes.push(
      `In ${behind.length} of ${runs.length} runs the sender was starved of its core at times and dropped bursts over one interval late rather than catch up ` +
        `(${behind.reduce((sum, r) => sum + r.droppedBursts, 0)} bursts in all, at worst ${fmt(Math.max(...behind.map((r) => r.behindMs)), 0)} ms late): those ran below ${PACKETS_PER_SECOND.toLocaleString('en-US')} pkt/s.`,
    );
  }
  const noisy = runs.filter((r) => (r.senderCoreOtherPercent ?? 0) > NOISE_LIMIT);
  if (noisy.length) {
    notes.push(
      `In ${noisy.length} of ${runs.length} runs other work took over ${NOISE_LIMIT} % of the sender's core (up to ${fmt(Math.max(...noisy.map((r) => r.senderCoreOtherPercent ?? 0)), 0)} %): ` +
        'caches and the loopback backlog were shared, so read those figures as upper bounds of the floor.',
    );
  }
  return {
    status: 'ok',
    summary: {
      packetBytes: PACKET_BYTES,
      ports: PORTS,
      packetsPerSecond: PACKETS_PER_SECOND,
      measureSeconds: timing.measureMs / 1000,
      totalUsPerPacket: byMethod,
    },
    comparisons: [],
    tables: [floorTable, runTable],
    details: { methods: summaries, runs },
    notes,
  };
}

async function udpPackets(helper: UdpReceiverHelper): Promise<number> {
  let packets = 0;
  for (const counters of (await helper.snapshot()).values()) packets += counters.packets;
  return packets;
}

function cpuSeconds(pid: number): number | null {
  const cpu = processCpu(pid);
  return cpu === null ? null : cpu.userSeconds + cpu.systemSeconds;
}

/** The pid of a kernel thread by name (e.g. ksoftirqd/0), or null. */
function kernelThreadPid(name: string): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) return Number(entry);
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // No /proc.
  }
  return null;
}

/** tcpFloorReader.c: listens, drains every connection, counts bytes. */
class TcpReader {
  private partial = '';
  private readonly waiting: Array<(line: string) => void> = [];
  private readonly exited: Promise<void>;
  port = 0;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) this.waiting.shift()?.(line);
    });
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`tcpFloorReader: ${d.toString()}`));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(binary: string, intervalUs: number, core: number | null): Promise<TcpReader> {
    const args = [String(intervalUs)];
    const child = track(
      core === null ? spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn('taskset', ['-c', String(core), binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const reader = new TcpReader(child);
    try {
      const first = await reader.nextLine();
      const m = /^port (\d+)$/.exec(first);
      if (!m) throw new Error(`tcpFloorReader: ${first}`);
      reader.port = Number(m[1]);
      return reader;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whole framed packets received so far. */
  async packets(): Promise<number> {
    this.child.stdin!.write('count\n');
    const line = await this.nextLine();
    const m = /^count (\d+)/.exec(line);
    if (!m) throw new Error(`tcpFloorReader: ${line}`);
    return Math.floor(Number(m[1]) / (PACKET_BYTES + 4));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await this.exited;
    clearTimeout(timer);
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tcpFloorReader did not answer in 10 s')), 10_000);
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }
}
