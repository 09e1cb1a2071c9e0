import type { MovieFileReader } from '../files/movieFileReader.js';
import type { PacedSource } from './packetScheduler.js';
import type { PlayerCursor, PlayTiming } from './playerCursor.js';

/**
 * Plays the tracks of one movie to one session in real time (or faster, by Speed).
 * Each scheduler tick every track's cursor sends what has come due; bytes come through
 * the movie's shared block cache, so a sample not loaded yet waits for a later tick.
 */
const BYE_DELAY_MS = 300;

export class OnDemandPlayer implements PacedSource {
  private timing: PlayTiming = { anchorWallMs: 0, anchorMediaSeconds: 0, speed: 1 };
  private playing = false;
  private finishedAtMs: number | null = null;
  private byeSent = false;

  constructor(
    private readonly cursors: readonly PlayerCursor[],
    readonly reader: MovieFileReader,
  ) {}

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
    const mediaNow = this.mediaSecondsAt(nowMs);
    let allDone = true;
    for (const cursor of this.cursors) {
      if (!cursor.pump(nowMs, this.timing)) allDone = false;
      cursor.sender.maybeReport(nowMs, mediaNow);
    }
    if (!allDone) return true;
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
