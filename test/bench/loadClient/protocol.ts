/**
 * The messages between the bench runner and its load client child process (Node IPC,
 * JSON). The runner asks, the client answers once per request id. Counters in a
 * snapshot are cumulative since the client started; the runner takes differences
 * between two snapshots, so nothing has to be reset between measurements.
 */
export type MediaTransport = 'UDP' | 'TCP';

export interface OpenSessionsCommand {
  readonly cmd: 'open';
  readonly port: number;
  /** Presentation URL, e.g. rtsp://127.0.0.1:PORT/bench.mp4 or …/live.sdp. */
  readonly url: string;
  readonly transport: MediaTransport;
  readonly count: number;
  /** Set-ups in flight at once. */
  readonly concurrency: number;
  /** Stop starting set-ups once this many have failed (default: never). */
  readonly maxFailures?: number;
  /** Match the first video track's packets against the ingest probe (live scenarios). */
  readonly measureLatency?: boolean;
  /** TCP readers read at most once per this many ms after PLAY (0: as data arrives). */
  readonly readBatchMs?: number;
}

export interface SetupRateCommand {
  readonly cmd: 'setupRate';
  readonly port: number;
  readonly url: string;
  /** 'paced': open-loop arrivals at `rate` per second; 'closed': `concurrency` back-to-back loops. */
  readonly mode: 'paced' | 'closed';
  readonly rate?: number;
  readonly concurrency?: number;
  readonly durationMs: number;
}

export type LoadCommand =
  | OpenSessionsCommand
  | SetupRateCommand
  | { readonly cmd: 'snapshot' }
  | { readonly cmd: 'closeAll' }
  | { readonly cmd: 'startIngestProbe'; readonly serverPort: number }
  | { readonly cmd: 'stopIngestProbe' }
  | { readonly cmd: 'probeAnnounce'; readonly port: number; readonly url: string; readonly sdp: string }
  | { readonly cmd: 'describe'; readonly port: number; readonly url: string }
  | { readonly cmd: 'exit' };

export interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface OpenSessionsResult {
  readonly opened: number;
  readonly failed: number;
  /** First few distinct failure reasons. */
  readonly errors: readonly string[];
  /** Connect → PLAY answered, ms. */
  readonly setupMs: Percentiles;
  readonly elapsedMs: number;
}

export interface SetupRateResult {
  readonly mode: 'paced' | 'closed';
  readonly attempted: number;
  readonly completed: number;
  readonly failed: number;
  readonly errors: readonly string[];
  /** From the first connect to the last TEARDOWN answered, ms. */
  readonly elapsedMs: number;
  /** Completed sessions per second over elapsedMs. */
  readonly sessionsPerSecond: number;
  /** Connect → PLAY answered (OPTIONS, DESCRIBE, SETUP per track, PLAY), ms. */
  readonly setupMs: Percentiles;
  /** Connect → TEARDOWN answered, ms. */
  readonly totalMs: Percentiles;
  /** For paced runs: the arrival rate actually achieved, per second. */
  readonly offeredPerSecond: number;
}

/** Cumulative counters of the load client. */
export interface ClientSnapshot {
  /** performance.now() in the client when taken. */
  readonly atMs: number;
  readonly sessionsPlaying: number;
  /** Sessions the server ended (RTCP BYE, connection closed) since the client started. */
  readonly sessionsEndedByServer: number;
  readonly packets: number;
  readonly bytes: number;
  /** Sequence numbers skipped (net of late arrivals that filled a gap). */
  readonly gaps: number;
  /** Packets the sequence numbers say were sent: highest − first + 1, per track, summed. */
  readonly expected: number;
  readonly late: number;
  readonly duplicates: number;
  /** Media time advanced on the first track of every session, summed, seconds. */
  readonly mediaSeconds: number;
  readonly rtcpReceived: number;
  readonly receiverReportsSent: number;
  readonly keepalivesSent: number;
  /** process.cpuUsage() of the client, µs. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** CPU of udpReceiver.c (0 when not used), µs; part of the load client's cost. */
  readonly helperCpuUserUs: number;
  readonly helperCpuSystemUs: number;
  /** Whether UDP readers' RTP goes through udpReceiver.c. */
  readonly udpHelper: boolean;
  /** performance.eventLoopUtilization() cumulative values, ms. */
  readonly loopActiveMs: number;
  readonly loopIdleMs: number;
  /** Ingest → egress latency histogram since the previous snapshot (live scenarios), ms. */
  readonly latencyMs: Percentiles;
  /** Packets the ingest probe saw the publisher send since the client started. */
  readonly ingestPackets: number;
}

export type LoadRequest = { readonly id: number; readonly command: LoadCommand };
export type LoadReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };
