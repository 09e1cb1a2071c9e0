import type { MovieFileReader } from '../files/movieFileReader.js';
import type { PacedSource } from './packetScheduler.js';
import type { PlayerCursor, PlayTiming } from './playerCursor.js';

/**
 * Plays the tracks of one movie to one session in real time (or faster, by Speed).
 * Each scheduler tick every track's cursor sends what has come due; bytes come through
 * the movie's shared block cache, so a sample not loaded yet waits for a later tick.
 */
const BYE_DELAY_MS = 300;
/**
 * Sessions whose every track is interleaved on TCP are pumped this often, each time
 * sending what falls due until the next pump: the client's buffer takes the burst, and
 * one write then carries several packets instead of one per scheduler tick (TCP's
 * per-write cost is most of its per-packet cost: measured with 400 readers, 3.1 µs of
 * server CPU per packet at 40 ms, 2.6 µs at 100 ms). UDP stays paced tick by tick,
 * since a burst of datagrams is what overflows a receiver's socket.
 */
export const TCP_PUMP_INTERVAL_MS = 100;

export class OnDemandPlayer implements PacedSource {
  private timing: PlayTiming = { anchorWallMs: 0, anchorMediaSeconds: 0, speed: 1 };
  private playing = false;
  private finishedAtMs: number | null = null;
  private byeSent = false;
  /** 0: every tick; otherwise the pump interval for all-TCP sessions. */
  private readonly pumpIntervalMs: number;
  private nextPumpMs = -Infinity;

  constructor(
    private readonly cursors: readonly PlayerCursor[],
    readonly reader: MovieFileReader,
  ) {
    this.pumpIntervalMs = cursors.length > 0 && cursors.every((c) => c.sender.sink.transport === 'TCP') ? TCP_PUMP_INTERVAL_MS : 0;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /**
   * Positions every track for a play from `start` seconds (null: continue where it
   * stopped) to `end`, and returns where streaming really starts: the sync point at
   * or before the start, since a decoder cannot begin anywhere else.
   */
  seek(start: number | null, end: number | null): number {
    let actualStart = this.timing.anchorMediaSeconds;
    if (start !== null) {
      actualStart = start;
      for (const cursor of this.cursors) {
        const sync = cursor.syncPointAtOrBefore(start);
        if (sync !== null) actualStart = Math.min(actualStart, sync);
      }
      for (const cursor of this.cursors) cursor.seek(start, actualStart);
    }
    for (const cursor of this.cursors) cursor.setEnd(end);
    this.finishedAtMs = null;
    this.byeSent = false;
    this.timing = { ...this.timing, anchorMediaSeconds: actualStart };
    return actualStart;
  }

  start(nowMs: number, speed = 1): void {
    this.timing = { anchorWallMs: nowMs, anchorMediaSeconds: this.timing.anchorMediaSeconds, speed };
    this.playing = true;
    this.nextPumpMs = -Infinity;
  }

  /** Stops sending; returns the media position in seconds. */
  pause(nowMs: number): number {
    const at = this.mediaSecondsAt(nowMs);
    this.playing = false;
    this.timing = { ...this.timing, anchorMediaSeconds: at };
    return at;
  }

  mediaSecondsAt(nowMs: number): number {
    if (!this.playing) return this.timing.anchorMediaSeconds;
    return this.timing.anchorMediaSeconds + ((nowMs - this.timing.anchorWallMs) / 1000) * this.timing.speed;
  }

  position(): number {
    return this.timing.anchorMediaSeconds;
  }

  pump(nowMs: number): boolean {
    if (!this.playing) return false;
    if (nowMs < this.nextPumpMs) return true;
    const mediaNow = this.mediaSecondsAt(nowMs);
    // Send up to the next pump. A cursor that stalled (bytes not loaded yet, sink full)
    // is retried on the next tick, not a whole interval later. The interval is jittered
    // so sessions that started together do not stay in lock-step, all bursting at once.
    const interval = this.pumpIntervalMs === 0 ? 0 : this.pumpIntervalMs * (0.75 + Math.random() * 0.25);
    const horizon = nowMs + interval;
    let allDone = true;
    let stalled = false;
    for (const cursor of this.cursors) {
      if (!cursor.pump(horizon, this.timing)) {
        allDone = false;
        if (cursor.stalled) stalled = true;
      }
      cursor.sender.maybeReport(nowMs, mediaNow);
    }
    if (!allDone) {
      if (!stalled) this.nextPumpMs = nowMs + interval;
      return true;
    }
    this.finishedAtMs ??= nowMs;
    if (nowMs - this.finishedAtMs < BYE_DELAY_MS) return true;
    if (!this.byeSent) {
      this.byeSent = true;
      for (const cursor of this.cursors) cursor.sender.sendBye(mediaNow);
    }
    this.pause(nowMs);
    return false;
  }
}
