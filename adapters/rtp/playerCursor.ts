import type { TrackSender } from './trackSender.js';

/**
 * One track's position in an on-demand play. Two kinds: media samples packetized on
 * the fly, and RTP hint samples that say exactly how to build each packet. The player
 * drives both the same way.
 */
export interface PlayTiming {
  /** Wall time (ms, performance.now) that media time `anchorMediaSeconds` was due. */
  readonly anchorWallMs: number;
  readonly anchorMediaSeconds: number;
  /** Media seconds per wall second. */
  readonly speed: number;
}

export interface PlayerCursor {
  readonly sender: TrackSender;
  /** Presentation time of the sync point at or before `seconds`; null when any point will do. */
  syncPointAtOrBefore(seconds: number): number | null;
  /** Positions the cursor for a play that really starts at `seconds` (a sync point). */
  seek(requestedSeconds: number, actualSeconds: number): void;
  /** Stops before anything presented at or after `seconds` (null: the end of the track). */
  setEnd(seconds: number | null): void;
  /** Sends what is due by `nowMs`; returns true once everything up to the end is sent. */
  pump(nowMs: number, timing: PlayTiming): boolean;
  /**
   * True when the last pump stopped before `nowMs` for want of something (bytes not
   * loaded from disk yet, or the sink full): the player retries on the next tick.
   */
  readonly stalled: boolean;
}

/** Send a little ahead of time so a tick's jitter never makes packets late. */
export const LEAD_MS = 20;
/** Read the file this far ahead of what is being sent. */
export const PREFETCH_MS = 2000;

/** Wall time (ms) a media time is due at. */
export function dueAt(mediaSeconds: number, timing: PlayTiming): number {
  return timing.anchorWallMs + ((mediaSeconds - timing.anchorMediaSeconds) * 1000) / timing.speed;
}
