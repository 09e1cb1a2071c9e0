import { randomBytes } from 'node:crypto';
import { parseTransport } from '../../../domain/rtsp/headers/transport.js';
import type { RtspResponseMessage } from '../../../domain/rtsp/rtspMessage.js';
import type { IngestLatency } from './ingestLatency.js';
import type { MediaTransport } from './protocol.js';
import { buildReceiverReport, noteServerRtcp } from './receiverReport.js';
import { RtspClientConnection } from './rtspClientConnection.js';
import { tracksOf } from './sdpTracks.js';
import { TrackCounter } from './trackCounter.js';
import { closeQuietly, type UdpPair, type UdpPortAllocator } from './udpPortAllocator.js';
import type { SlotCounters, UdpReceiverHelper } from './udpReceiverHelper.js';

/**
 * One reader, behaving as a player does: its own TCP connection, OPTIONS, DESCRIBE,
 * SETUP of every track (UDP client ports, or TCP interleaved channels), PLAY; then it
 * counts what arrives, sends receiver reports, keeps the session alive and tears down.
 */
export interface ReaderTrack {
  readonly url: string;
  readonly mediaType: string;
  readonly counter: TrackCounter;
  pair: UdpPair | null;
  channels: readonly [number, number] | null;
  serverRtcpPort: number | null;
}

export interface OpenReaderOptions {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly transport: MediaTransport;
  readonly allocator: UdpPortAllocator;
  /** Receives RTP for this reader's UDP ports; null: Node sockets do. */
  readonly helper: UdpReceiverHelper | null;
  readonly latency: IngestLatency | null;
  /** Read interleaved data in batches once playing (see setReadBatchInterval). */
  readonly batchReads?: boolean;
  readonly requestTimeoutMs?: number;
}

const CNAME = 'reader@streamhouse-bench';
export const REPORT_INTERVAL_MS = 5_000;

export class ReaderSession {
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  readonly tracks: ReaderTrack[] = [];
  nextReportMs: number;
  nextKeepaliveMs = Infinity;
  endedByServer = false;
  receiverReportsSent = 0;
  keepalivesSent = 0;
  rtcpReceived = 0;
  private closing = false;
  private disposed = false;

  private constructor(
    readonly connection: RtspClientConnection,
    private readonly options: OpenReaderOptions,
  ) {
    // Spread the fleet's reports over the interval instead of sending them in bursts.
    this.nextReportMs = performance.now() + Math.random() * REPORT_INTERVAL_MS;
    connection.onClose = () => {
      if (!this.closing) this.endedByServer = true;
    };
  }

  static async open(options: OpenReaderOptions): Promise<ReaderSession> {
    const connection = await RtspClientConnection.connect(options.port, options.host);
    const session = new ReaderSession(connection, options);
    try {
      await session.setUp();
      return session;
    } catch (error) {
      session.dispose();
      throw error;
    }
  }

  private async setUp(): Promise<void> {
    const { url, transport } = this.options;
    const timeout = this.options.requestTimeoutMs ?? 10_000;
    const c = this.connection;
    expectOk('OPTIONS', await c.request('OPTIONS', url, [], undefined, timeout));
    const described = expectOk('DESCRIBE', await c.request('DESCRIBE', url, [['Accept', 'application/sdp']], undefined, timeout));
    const base = described.headers.get('Content-Base') ?? url;
    const sdpTracks = tracksOf(described.body.toString('utf8'), base);
    if (sdpTracks.length === 0) throw new Error('DESCRIBE: no media in the SDP');
    for (const [i, t] of sdpTracks.entries()) {
      const track: ReaderTrack = { url: t.url, mediaType: t.mediaType, counter: new TrackCounter(t.clockRate), pair: null, channels: null, serverRtcpPort: null };
      this.tracks.push(track);
      let header: string;
      if (transport === 'UDP') {
        track.pair = await this.options.allocator.bindPair(this.options.helper);
        header = `RTP/AVP;unicast;client_port=${track.pair.port}-${track.pair.port + 1}`;
      } else {
        header = `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`;
      }
      const res = expectOk('SETUP', await c.request('SETUP', t.url, [['Transport', header]], undefined, timeout));
      const parsed = parseTransport(res.headers.get('Transport') ?? '');
      if (!parsed.ok) throw new Error(`SETUP: unreadable Transport in the answer: ${parsed.error}`);
      if (transport === 'UDP') {
        if (!parsed.spec.serverPort) throw new Error('SETUP: answer has no server_port');
        track.serverRtcpPort = parsed.spec.serverPort[1];
      } else {
        if (!parsed.spec.interleaved) throw new Error('SETUP: answer has no interleaved channels');
        track.channels = parsed.spec.interleaved;
      }
    }
    this.attachReceivers();
    expectOk('PLAY', await c.request('PLAY', url, [['Range', 'npt=0.000-']], undefined, timeout));
    if (this.options.batchReads && transport === 'TCP') c.batchReads = true;
    const sessionTimeout = c.sessionTimeout;
    // RFC 2326 §12.37: a client keeps the session alive within the timeout; half of it leaves room.
    if (sessionTimeout !== null) this.nextKeepaliveMs = performance.now() + (sessionTimeout * 1000) / 2;
  }

  /** Counting starts before PLAY is answered: media may arrive before the answer. */
  private attachReceivers(): void {
    const latency = this.options.latency;
    const latencyTrack = latency ? this.tracks.find((t) => t.mediaType === 'video') ?? this.tracks[0]! : null;
    if (this.options.transport === 'UDP') {
      for (const track of this.tracks) {
        const counter = track.counter;
        const pair = track.pair!;
        pair.rtcp.on('message', (msg: Buffer) => this.onRtcp(counter, msg, 0, msg.length));
        // RTP through udpReceiver.c: counters arrive with the fleet's helper snapshots.
        if (pair.rtp === null) continue;
        if (latency && track === latencyTrack) {
          pair.rtp.on('message', (msg: Buffer) => {
            counter.onPacket(msg, 0, msg.length);
            latency.observeEgress(msg, 0, msg.length, performance.now());
          });
        } else {
          pair.rtp.on('message', (msg: Buffer) => counter.onPacket(msg, 0, msg.length));
        }
      }
      return;
    }
    // TCP: a table from channel to track, looked up per frame.
    const rtpByChannel: Array<TrackCounter | undefined> = [];
    const rtcpByChannel: Array<TrackCounter | undefined> = [];
    let latencyChannel = -1;
    for (const track of this.tracks) {
      const [rtp, rtcp] = track.channels!;
      rtpByChannel[rtp] = track.counter;
      rtcpByChannel[rtcp] = track.counter;
      if (track === latencyTrack) latencyChannel = rtp;
    }
    this.connection.onFrame = (channel, buffer, offset, length) => {
      const counter = rtpByChannel[channel];
      if (counter !== undefined) {
        counter.onPacket(buffer, offset, length);
        if (channel === latencyChannel) latency!.observeEgress(buffer, offset, length, performance.now());
        return;
      }
      const rtcpCounter = rtcpByChannel[channel];
      if (rtcpCounter !== undefined) this.onRtcp(rtcpCounter, buffer, offset, length);
    };
  }

  private onRtcp(counter: TrackCounter, buffer: Buffer, offset: number, length: number): void {
    this.rtcpReceived++;
    if (noteServerRtcp(counter, buffer, offset, length, performance.now())) this.endedByServer = true;
  }

  /** Sends one receiver report per track (what keeps a UDP session alive on the server). */
  sendReports(nowMs: number): void {
    for (const track of this.tracks) {
      const report = buildReceiverReport(this.ssrc, track.counter, CNAME, nowMs);
      if (track.pair && track.serverRtcpPort !== null) {
        track.pair.rtcp.send(report, track.serverRtcpPort, this.options.host);
      } else if (track.channels) {
        this.connection.writeFrame(track.channels[1], report);
      }
      this.receiverReportsSent++;
    }
  }

  keepalive(nowMs: number): void {
    const timeout = this.connection.sessionTimeout ?? 60;
    this.nextKeepaliveMs = nowMs + (timeout * 1000) / 2;
    this.keepalivesSent++;
    this.connection.request('GET_PARAMETER', this.options.url).catch(() => {
      // A lost keepalive shows up as the session ending; counted there.
    });
  }

  async teardown(timeoutMs = 5_000): Promise<void> {
    this.closing = true;
    this.connection.batchReads = false;
    this.connection.socket.resume();
    try {
      if (!this.connection.closed) await this.connection.request('TEARDOWN', this.options.url, [], undefined, timeoutMs);
    } catch {
      // Closing the connection below ends it anyway.
    } finally {
      this.dispose();
    }
  }

  /** Counters of the tracks whose RTP udpReceiver.c receives. */
  applyHelperCounters(counters: ReadonlyMap<number, SlotCounters>): void {
    for (const t of this.tracks) {
      const c = t.pair?.slot == null ? undefined : counters.get(t.pair.slot);
      if (c) t.counter.applyRemote(c);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closing = true;
    this.connection.close();
    for (const t of this.tracks) {
      if (t.pair) {
        if (t.pair.rtp) closeQuietly(t.pair.rtp);
        if (t.pair.slot !== null) this.options.helper?.close(t.pair.slot);
        closeQuietly(t.pair.rtcp);
      }
    }
  }
}

function expectOk(method: string, res: RtspResponseMessage): RtspResponseMessage {
  if (res.status < 200 || res.status > 299) throw new Error(`${method}: ${res.status} ${res.reason}`);
  return res;
}
