import type { MovieTrack } from '../../domain/media/movie.js';
import type { MovieFileReader } from '../files/movieFileReader.js';
import type { PayloadCache } from './payloadCache.js';
import { dueAt, LEAD_MS, PREFETCH_MS, type PlayerCursor, type PlayTiming } from './playerCursor.js';
import type { TrackSender } from './trackSender.js';

/** A media track packetized on the fly: each sample is sent whole when its decode time comes. */
export class MediaSampleCursor implements PlayerCursor {
  private next = 0;
  private end: number;
  private prefetched = 0;
  stalled = false;

  constructor(
    private readonly track: MovieTrack,
    /** The movie's shared packets of this track (one packetizer, one payload size). */
    private readonly packets: PayloadCache,
    readonly sender: TrackSender,
    private readonly reader: MovieFileReader,
    private readonly maxPayloadBytes: number,
  ) {
    this.end = track.samples.count;
  }

  syncPointAtOrBefore(seconds: number): number | null {
    const sync = syncSampleAtOrBefore(this.track, seconds);
    return sync === null ? null : presentationSeconds(this.track, sync);
  }

  seek(requestedSeconds: number, actualSeconds: number): void {
    const sync = syncSampleAtOrBefore(this.track, requestedSeconds);
    this.next = sync ?? sampleAt(this.track, actualSeconds);
    this.prefetched = this.next;
  }

  setEnd(seconds: number | null): void {
    this.end = seconds === null ? this.track.samples.count : firstSampleAfter(this.track, seconds);
  }

  pump(nowMs: number, timing: PlayTiming): boolean {
    const { samples, timescale } = this.track;
    this.stalled = false;
    while (this.next < this.end) {
      const i = this.next;
      if (dueAt(samples.decodeTimes[i]! / timescale, timing) > nowMs + LEAD_MS) break;
      if (!this.sender.sink.writable()) {
        this.stalled = true;
        break;
      }
      // Another session packetized this sample already: its bytes need not be read again.
      let payloads = this.packets.cached(i);
      if (payloads === undefined) {
        const data = this.reader.bytesAt(samples.offsets[i]!, samples.sizes[i]!);
        if (data === null) {
          this.stalled = true;
          break;
        }
        payloads = this.packets.payloads(i, data, this.maxPayloadBytes);
      }
      const rtpTime = this.sender.rtpTimeAt((samples.decodeTimes[i]! + samples.compositionOffsets[i]!) / timescale);
      for (const payload of payloads) {
        this.sender.send(payload.chunks, payload.marker, payload.timestampOffset === undefined ? rtpTime : (rtpTime + payload.timestampOffset) >>> 0);
      }
      this.next++;
    }
    if (this.prefetched < this.next) this.prefetched = this.next;
    while (this.prefetched < this.end && dueAt(samples.decodeTimes[this.prefetched]! / timescale, timing) < nowMs + PREFETCH_MS) {
      this.reader.prefetch(samples.offsets[this.prefetched]!, samples.sizes[this.prefetched]!);
      this.prefetched++;
    }
    return this.next >= this.end;
  }
}

export function presentationSeconds(track: MovieTrack, index: number): number {
  return (track.samples.decodeTimes[index]! + track.samples.compositionOffsets[index]!) / track.timescale;
}

/** The last sync sample presented at or before `seconds`; null when every sample is a sync sample. */
export function syncSampleAtOrBefore(track: MovieTrack, seconds: number): number | null {
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
export function sampleAt(track: MovieTrack, seconds: number): number {
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

/** Index one past the last sample decoded before `seconds`. */
export function firstSampleAfter(track: MovieTrack, seconds: number): number {
  const units = seconds * track.timescale;
  const times = track.samples.decodeTimes;
  let i = 0;
  while (i < track.samples.count && times[i]! < units) i++;
  return i;
}
