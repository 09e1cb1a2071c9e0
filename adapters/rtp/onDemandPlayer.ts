import type { MovieTrack } from '../../domain/media/movie.js';
import type { Packetizer } from '../../domain/media/packetizer.js';
import type { MovieFileReader } from '../files/movieFileReader.js';
import type { PacedSource } from './packetScheduler.js';
import type { TrackSender } from './trackSender.js';

/**
 * Plays the tracks of one movie to one session in real time. Each scheduler tick it
 * packetizes and sends the samples whose decode time has come, reading through the
 * movie's shared block cache and prefetching about two seconds ahead; a sample whose
 * bytes are not loaded yet simply waits for a later tick.
 */
export interface PlayerTrack {
  readonly track: MovieTrack;
  readonly packetizer: Packetizer;
  readonly sender: TrackSender;
}

/** Send a little ahead of the decode time so a tick's jitter never makes packets late. */
const LEAD_MS = 20;
const PREFETCH_MS = 2000;
/** After the last packet, wait before BYE so clients have drained what is in flight. */
const BYE_DELAY_MS = 300;

interface TrackCursor {
  readonly t: PlayerTrack;
  next: number;
  end: number;
  prefetched: number;
}

export class OnDemandPlayer implements PacedSource {
  private readonly cursors: TrackCursor[];
  private anchorWallMs = 0;
  private anchorMediaSeconds = 0;
  private playing = false;
  /** Media seconds per wall second (RTSP Speed). */
  private speed = 1;
  private finishedAtMs: number | null = null;
  private byeSent = false;

  constructor(
    tracks: readonly PlayerTrack[],
    private readonly reader: MovieFileReader,
    private readonly maxPayloadBytes: number,
  ) {
    this.cursors = tracks.map((t) => ({ t, next: 0, end: t.track.samples.count, prefetched: 0 }));
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /**
   * Positions every track for a play from `start` seconds (null: continue where it
   * stopped) to `end`, and returns where streaming really starts: the sync sample at
   * or before the start, since a decoder cannot begin anywhere else.
   */
  seek(start: number | null, end: number | null): number {
    let actualStart: number;
    if (start === null) {
      actualStart = this.position();
    } else {
      actualStart = start;
      for (const c of this.cursors) {
        const sync = syncSampleAtOrBefore(c.t.track, start);
        if (sync !== null) actualStart = Math.min(actualStart, presentationSeconds(c.t.track, sync));
      }
      for (const c of this.cursors) {
        const sync = syncSampleAtOrBefore(c.t.track, start);
        c.next = sync ?? firstSampleAtOrAfter(c.t.track, actualStart);
        c.prefetched = c.next;
      }
    }
    for (const c of this.cursors) c.end = end === null ? c.t.track.samples.count : firstSampleAfter(c.t.track, end);
    this.finishedAtMs = null;
    this.byeSent = false;
    this.anchorMediaSeconds = actualStart;
    return actualStart;
  }

  start(nowMs: number, speed = 1): void {
    this.anchorWallMs = nowMs;
    this.speed = speed;
    this.playing = true;
  }

  /** Stops sending; returns the media position in seconds. */
  pause(nowMs: number): number {
    const at = this.mediaSecondsAt(nowMs);
    this.playing = false;
    this.anchorMediaSeconds = at;
    return at;
  }

  /** Media time at a wall time while playing; the paused position otherwise. */
  mediaSecondsAt(nowMs: number): number {
    if (!this.playing) return this.anchorMediaSeconds;
    return this.anchorMediaSeconds + ((nowMs - this.anchorWallMs) / 1000) * this.speed;
  }

  position(): number {
    return this.anchorMediaSeconds;
  }

  pump(nowMs: number): boolean {
    if (!this.playing) return false;
    const mediaNow = this.mediaSecondsAt(nowMs);
    let allDone = true;
    for (const c of this.cursors) {
      this.pumpTrack(c, nowMs);
      if (c.next < c.end) allDone = false;
      c.t.sender.maybeReport(nowMs, mediaNow);
    }
    if (!allDone) return true;
    this.finishedAtMs ??= nowMs;
    if (nowMs - this.finishedAtMs < BYE_DELAY_MS) return true;
    if (!this.byeSent) {
      this.byeSent = true;
      for (const c of this.cursors) c.t.sender.sendBye(mediaNow);
    }
    this.playing = false;
    this.anchorMediaSeconds = mediaNow;
    return false;
  }

  private pumpTrack(c: TrackCursor, nowMs: number): void {
    const { track, packetizer, sender } = c.t;
    const samples = track.samples;
    const scale = track.timescale;
    const msPerUnit = 1000 / scale / this.speed;
    const base = this.anchorWallMs - (this.anchorMediaSeconds * 1000) / this.speed;
    while (c.next < c.end) {
      const i = c.next;
      const dueMs = base + samples.decodeTimes[i]! * msPerUnit;
      if (dueMs > nowMs + LEAD_MS) break;
      if (!sender.sink.writable()) break;
      const data = this.reader.bytesAt(samples.offsets[i]!, samples.sizes[i]!);
      if (data === null) break;
      const payloads = packetizer.packetize(data, this.maxPayloadBytes);
      const rtpTime = sender.rtpTimeAt((samples.decodeTimes[i]! + samples.compositionOffsets[i]!) / scale);
      for (const payload of payloads) sender.send(payload.chunks, payload.marker, rtpTime);
      c.next++;
    }
    if (c.prefetched < c.next) c.prefetched = c.next;
    while (c.prefetched < c.end && base + samples.decodeTimes[c.prefetched]! * msPerUnit < nowMs + PREFETCH_MS) {
      this.reader.prefetch(samples.offsets[c.prefetched]!, samples.sizes[c.prefetched]!);
      c.prefetched++;
    }
  }
}

function presentationSeconds(track: MovieTrack, index: number): number {
  return (track.samples.decodeTimes[index]! + track.samples.compositionOffsets[index]!) / track.timescale;
}

/** The last sync sample whose presentation time is at or before `seconds`; null when every sample is sync. */
function syncSampleAtOrBefore(track: MovieTrack, seconds: number): number | null {
  const sync = track.samples.syncSamples;
  if (sync === null || sync.length === 0) return null;
  let chosen = sync[0]!;
  for (const index of sync) {
    if (presentationSeconds(track, index) <= seconds + 1e-9) chosen = index;
    else break;
  }
  return chosen;
}

/** The sample being presented at `seconds`: the last whose decode time is at or before it. */
function firstSampleAtOrAfter(track: MovieTrack, seconds: number): number {
  const units = seconds * track.timescale;
  const times = track.samples.decodeTimes;
  let lo = 0;
  let hi = track.samples.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= units + 1e-6) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

/** Index one past the last sample presented before `seconds`. */
function firstSampleAfter(track: MovieTrack, seconds: number): number {
  const units = seconds * track.timescale;
  const times = track.samples.decodeTimes;
  let i = 0;
  while (i < track.samples.count && times[i]! < units) i++;
  return i;
}
