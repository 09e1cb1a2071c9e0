import { RtspError } from '../../actors/rtspSession/sessionMedia.js';

/**
 * QTSS's limits: past the maximum connections or throughput a new session gets
 * 453 Not Enough Bandwidth, and the sessions already playing are untouched.
 * Throughput is what the media plane really sent, sampled once a second from a
 * plain counter every sender adds to.
 */
export interface Limits {
  maxConnections: number;
  maxThroughputKbps: number;
}

export class ThroughputMeter {
  /** Bytes sent by every sender since start; senders add to it, nothing else. */
  bytesSent = 0;
  private lastBytes = 0;
  private lastAt = performance.now();
  private kbps = 0;
  private timer: NodeJS.Timeout | null = null;

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.sample(performance.now()), intervalMs);
    this.timer.unref();
  }

  sample(nowMs: number): void {
    const seconds = (nowMs - this.lastAt) / 1000;
    if (seconds <= 0) return;
    this.kbps = ((this.bytesSent - this.lastBytes) * 8) / 1000 / seconds;
    this.lastBytes = this.bytesSent;
    this.lastAt = nowMs;
  }

  get currentKbps(): number {
    return this.kbps;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

export class AdmissionControl {
  constructor(
    /** Live settings: changed by the admin, read at every admission. */
    readonly limits: Limits,
    private readonly meter: ThroughputMeter,
    /** Sessions open now, the one asking included. */
    private readonly openSessions: () => number,
  ) {}

  /** Throws 453 when one more session of this bitrate would pass a limit. */
  admit(bitsPerSecond: number): void {
    const { maxConnections, maxThroughputKbps } = this.limits;
    const others = this.openSessions() - 1;
    if (maxConnections >= 0 && others >= maxConnections) {
      throw new RtspError(453, `over the maximum of ${maxConnections} connections`);
    }
    if (maxThroughputKbps >= 0 && this.meter.currentKbps + bitsPerSecond / 1000 > maxThroughputKbps) {
      throw new RtspError(453, `over the maximum throughput of ${maxThroughputKbps} kbit/s (now ${Math.round(this.meter.currentKbps)} kbit/s)`);
    }
  }
}
