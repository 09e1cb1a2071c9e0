import { percentiles } from './percentiles.js';
import type { IngestLatency } from './ingestLatency.js';
import type { ClientSnapshot, OpenSessionsCommand, OpenSessionsResult } from './protocol.js';
import { REPORT_INTERVAL_MS, ReaderSession } from './readerSession.js';
import { setReadBatchInterval } from './rtspClientConnection.js';
import { UdpPortAllocator } from './udpPortAllocator.js';
import type { UdpReceiverHelper } from './udpReceiverHelper.js';

/**
 * All the readers of the load client, driven from one event loop: opening them with a
 * bounded number of set-ups in flight, one maintenance timer for every reader's
 * receiver reports and keepalives (no timer per session), and cumulative counters.
 */
const MAINTENANCE_MS = 100;
/** How often counters are fetched from udpReceiver.c (for receiver reports). */
const HELPER_REFRESH_MS = 1_000;
/** With udpReceiver.c, about this many UDP readers per step still receive in Node to time latency. */
const LATENCY_SAMPLE = 32;

export type FleetCounters = Omit<
  ClientSnapshot,
  'atMs' | 'cpuUserUs' | 'cpuSystemUs' | 'helperCpuUserUs' | 'helperCpuSystemUs' | 'udpHelper' | 'loopActiveMs' | 'loopIdleMs' | 'latencyMs' | 'ingestPackets'
>;

interface RetiredTotals {
  packets: number;
  bytes: number;
  gaps: number;
  expected: number;
  late: number;
  duplicates: number;
  mediaSeconds: number;
  rtcpReceived: number;
  receiverReportsSent: number;
  keepalivesSent: number;
}

export class ReaderFleet {
  private readonly sessions = new Set<ReaderSession>();
  private readonly allocator = new UdpPortAllocator();
  private readonly retired: RetiredTotals = {
    packets: 0,
    bytes: 0,
    gaps: 0,
    expected: 0,
    late: 0,
    duplicates: 0,
    mediaSeconds: 0,
    rtcpReceived: 0,
    receiverReportsSent: 0,
    keepalivesSent: 0,
  };
  private endedByServer = 0;
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  private lastRefreshMs = 0;

  constructor(
    private readonly latency: IngestLatency,
    /** Receives UDP readers' RTP when the bench could build it. */
    readonly helper: UdpReceiverHelper | null,
  ) {
    this.timer = setInterval(() => this.maintain(), MAINTENANCE_MS);
  }

  async open(command: OpenSessionsCommand): Promise<OpenSessionsResult> {
    const started = performance.now();
    const setupMs: number[] = [];
    const errors = new Map<string, number>();
    let opened = 0;
    let failed = 0;
    let next = 0;
    const host = new URL(command.url.replace(/^rtsp:/i, 'http:')).hostname;
    const udpHelper = command.transport === 'UDP' ? this.helper : null;
    if (!command.measureLatency) setReadBatchInterval(command.readBatchMs ?? 0);
    const sampleEvery = udpHelper ? Math.max(1, Math.floor(command.count / LATENCY_SAMPLE)) : 1;
    const maxFailures = command.maxFailures ?? Infinity;
    const worker = async (): Promise<void> => {
      while (next < command.count && failed < maxFailures) {
        const index = next++;
        // Latency is timed in Node; with the helper, only a spread sample of readers receives there.
        const timed = command.measureLatency === true && index % sampleEvery === 0;
        const t0 = performance.now();
        try {
          const session = await ReaderSession.open({
            port: command.port,
            host,
            url: command.url,
            transport: command.transport,
            allocator: this.allocator,
            helper: timed ? null : udpHelper,
            latency: timed ? this.latency : null,
            batchReads: (command.readBatchMs ?? 0) > 0 && !command.measureLatency,
          });
          setupMs.push(performance.now() - t0);
          this.sessions.add(session);
          opened++;
        } catch (error) {
          failed++;
          const reason = error instanceof Error ? error.message : String(error);
          errors.set(reason, (errors.get(reason) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(command.concurrency, command.count)) }, worker));
    return {
      opened,
      failed,
      errors: [...errors].slice(0, 5).map(([reason, n]) => `${n}× ${reason}`),
      setupMs: percentiles(setupMs),
      elapsedMs: performance.now() - started,
    };
  }

  async closeAll(concurrency = 200): Promise<number> {
    await this.refresh();
    const all = [...this.sessions];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < all.length) {
        const session = all[next++]!;
        this.retire(session);
        await session.teardown();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, all.length) }, worker));
    return all.length;
  }

  /** Fetches udpReceiver.c's counters into the readers' (one fetch at a time). */
  refresh(): Promise<void> {
    if (!this.helper) return Promise.resolve();
    this.refreshing ??= this.helper
      .snapshot()
      .then((counters) => {
        for (const s of this.sessions) s.applyHelperCounters(counters);
        this.lastRefreshMs = performance.now();
      })
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async snapshot(): Promise<FleetCounters> {
    await this.refresh();
    const t = { ...this.retired };
    let playing = 0;
    for (const s of this.sessions) {
      if (!s.endedByServer) playing++;
      addSession(t, s);
    }
    return {
      sessionsPlaying: playing,
      sessionsEndedByServer: this.endedByServer + [...this.sessions].filter((s) => s.endedByServer).length,
      packets: t.packets,
      bytes: t.bytes,
      gaps: t.gaps,
      expected: t.expected,
      late: t.late,
      duplicates: t.duplicates,
      mediaSeconds: t.mediaSeconds,
      rtcpReceived: t.rtcpReceived,
      receiverReportsSent: t.receiverReportsSent,
      keepalivesSent: t.keepalivesSent,
    };
  }

  stop(): void {
    clearInterval(this.timer);
    for (const s of this.sessions) s.dispose();
    this.sessions.clear();
    this.helper?.stop();
  }

  private retire(session: ReaderSession): void {
    if (!this.sessions.delete(session)) return;
    addSession(this.retired, session);
    if (session.endedByServer) this.endedByServer++;
  }

  private maintain(): void {
    const now = performance.now();
    if (this.helper && now - this.lastRefreshMs >= HELPER_REFRESH_MS) this.refresh().catch(() => {});
    for (const s of this.sessions) {
      if (s.endedByServer) continue;
      if (now >= s.nextReportMs) {
        s.nextReportMs += REPORT_INTERVAL_MS;
        if (s.nextReportMs < now) s.nextReportMs = now + REPORT_INTERVAL_MS;
        s.sendReports(now);
      }
      if (now >= s.nextKeepaliveMs) s.keepalive(now);
    }
  }
}

function addSession(t: RetiredTotals, s: ReaderSession): void {
  for (const [i, track] of s.tracks.entries()) {
    const c = track.counter;
    t.packets += c.packets;
    t.bytes += c.bytes;
    t.gaps += c.gaps;
    t.expected += c.expected;
    t.late += c.late;
    t.duplicates += c.duplicates;
    if (i === 0) t.mediaSeconds += c.mediaSeconds;
  }
  t.rtcpReceived += s.rtcpReceived;
  t.receiverReportsSent += s.receiverReportsSent;
  t.keepalivesSent += s.keepalivesSent;
}
