import { buildHintPayload, descriptionResolverFor, HintDataError } from '../../domain/media/hint/hintPayload.js';
import { parseHintSample } from '../../domain/media/hint/hintSample.js';
import { hintRtpSeconds, hintTransmissionSeconds, type HintedTrack } from '../../domain/media/hint/hintedPresentation.js';
import type { Movie, MovieTrack } from '../../domain/media/movie.js';
import type { MovieFileReader } from '../files/movieFileReader.js';
import type { HintSampleCache, ParsedHintSample } from './hintSampleCache.js';
import { firstSampleAfter, sampleAt, syncSampleAtOrBefore, presentationSeconds } from './mediaSampleCursor.js';
import { dueAt, LEAD_MS, PREFETCH_MS, type PlayerCursor, type PlayTiming } from './playerCursor.js';
import type { TrackSender } from './trackSender.js';

/**
 * An RTP hint track (QTSS's way): each hint sample lists packets with their own
 * transmission times, built from immediate bytes and ranges of the media samples. A
 * packet whose bytes are not loaded yet waits for a later tick, where it resumes.
 */
export class HintSampleCursor implements PlayerCursor {
  private next = 0;
  private end: number;
  private current: ParsedHintSample | null = null;
  private packetIndex = 0;
  private prefetched = 0;
  private readonly hint: MovieTrack;
  private readonly media: readonly MovieTrack[];
  private readonly resolveBytes: (trackId: number, sampleIndex: number, offset: number, length: number) => Buffer | null;
  private readonly describe: ReturnType<typeof descriptionResolverFor>;
  /** Packets refused because the hint sample pointed at bytes that are not there. */
  broken = 0;
  stalled = false;

  constructor(
    private readonly movie: Movie,
    private readonly hinted: HintedTrack,
    readonly sender: TrackSender,
    private readonly reader: MovieFileReader,
    /** The movie's parsed hint samples of this track, shared by every session. */
    private readonly cache: HintSampleCache,
  ) {
    this.hint = hinted.hintTrack;
    this.end = this.hint.samples.count;
    this.media = hinted.mediaTrackIds.map((id) => movie.tracks.find((t) => t.id === id)).filter((t): t is MovieTrack => t !== undefined);
    const byId = new Map(movie.tracks.map((t) => [t.id, t]));
    this.resolveBytes = (trackId, sampleIndex, offset, length) => {
      const track = byId.get(trackId);
      const start = track?.samples.offsets[sampleIndex];
      return start === undefined ? null : this.reader.bytesAt(start + offset, length);
    };
    this.describe = descriptionResolverFor(movie);
  }

  /** Seeks on the media track's sync samples: hinters often mark only the first hint sample as sync. */
  syncPointAtOrBefore(seconds: number): number | null {
    for (const track of this.media) {
      const sync = syncSampleAtOrBefore(track, seconds);
      if (sync !== null) return presentationSeconds(track, sync);
    }
    return null;
  }

  seek(_requestedSeconds: number, actualSeconds: number): void {
    const media = this.media[0];
    // Start with the hint sample at the sync point's decode time (hint samples follow decode order).
    const decodeSeconds = media ? media.samples.decodeTimes[sampleAt(media, actualSeconds)]! / media.timescale : actualSeconds;
    let i = 0;
    const times = this.hint.samples.decodeTimes;
    while (i < this.hint.samples.count && times[i]! / this.hint.timescale < decodeSeconds - 1e-6) i++;
    this.next = i;
    this.current = null;
    this.packetIndex = 0;
    this.prefetched = i;
  }

  setEnd(seconds: number | null): void {
    this.end = seconds === null ? this.hint.samples.count : firstSampleAfter(this.hint, seconds);
  }

  pump(nowMs: number, timing: PlayTiming): boolean {
    const samples = this.hint.samples;
    this.stalled = true;
    while (this.next < this.end) {
      const i = this.next;
      if (this.current === null) {
        if (dueAt(samples.decodeTimes[i]! / this.hint.timescale, timing) > nowMs + LEAD_MS) {
          this.stalled = false;
          break;
        }
        let parsed = this.cache.get(i);
        if (parsed === undefined) {
          const bytes = this.reader.bytesAt(samples.offsets[i]!, samples.sizes[i]!);
          if (bytes === null) break;
          parsed = this.cache.add(i, parseHintSample(bytes, this.hint, { movie: this.movie, sampleIndex: i }));
        }
        this.current = parsed;
        this.packetIndex = 0;
      }
      const { packets, payloads } = this.current;
      while (this.packetIndex < packets.length) {
        const packet = packets[this.packetIndex]!;
        if (dueAt(hintTransmissionSeconds(this.hinted, i, packet), timing) > nowMs + LEAD_MS) {
          this.stalled = false;
          return false;
        }
        if (!this.sender.sink.writable()) return false;
        if (!packet.repeat) {
          let payload = payloads[this.packetIndex];
          if (payload === undefined) {
            try {
              const built = buildHintPayload(packet, this.resolveBytes, this.describe);
              // null: the bytes are not loaded yet; retried next tick, not cached.
              if (built === null) return false;
              payload = this.cache.keep(built);
            } catch (error) {
              if (!(error instanceof HintDataError)) throw error;
              payload = null;
            }
            payloads[this.packetIndex] = payload;
          }
          if (payload === null) this.broken++;
          else if (payload.length > 0) this.sender.send(payload, packet.marker, this.sender.rtpTimeAt(hintRtpSeconds(this.hinted, i, packet)));
        }
        this.packetIndex++;
      }
      this.current = null;
      this.next++;
    }
    if (this.next >= this.end) this.stalled = false;
    this.prefetch(nowMs, timing);
    return this.next >= this.end;
  }

  /** Loads hint samples, and the media samples they read, about two seconds ahead. */
  private prefetch(nowMs: number, timing: PlayTiming): void {
    const samples = this.hint.samples;
    if (this.prefetched < this.next) this.prefetched = this.next;
    const limit = nowMs + PREFETCH_MS;
    while (this.prefetched < this.end && dueAt(samples.decodeTimes[this.prefetched]! / this.hint.timescale, timing) < limit) {
      this.reader.prefetch(samples.offsets[this.prefetched]!, samples.sizes[this.prefetched]!);
      const seconds = samples.decodeTimes[this.prefetched]! / this.hint.timescale;
      for (const track of this.media) {
        const index = sampleAt(track, seconds);
        this.reader.prefetch(track.samples.offsets[index]!, track.samples.sizes[index]!);
      }
      this.prefetched++;
    }
  }
}
