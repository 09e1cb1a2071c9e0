import { parseBoxHeader } from '../../domain/media/mp4/boxHeader.js';
import { parseMovie } from '../../domain/media/mp4/parseMovie.js';
import { MovieFormatError, type Movie, type MovieTrack } from '../../domain/media/movie.js';
import type { Packetizer } from '../../domain/media/packetizer.js';
import { createPacketizer } from '../../domain/media/packetizerForTrack.js';
import { RtspError } from '../../actors/rtspSession/sessionMedia.js';
import { MovieFileReader } from './movieFileReader.js';
import type { MoviesFolder } from './moviesFolder.js';

/**
 * Opens movies for streaming and keeps them open while they are used. An entry is
 * keyed by the file's real path and checked against its size and mtime at every
 * open, so a movie replaced on disk is picked up by the next DESCRIBE.
 */
export interface StreamableTrack {
  readonly trackId: number;
  readonly track: MovieTrack;
  readonly packetizer: Packetizer;
  readonly codec: string;
  readonly averageBitrate: number;
}

export interface OpenMovie {
  readonly file: string;
  readonly mtimeMs: number;
  readonly movie: Movie;
  readonly reader: MovieFileReader;
  readonly tracks: readonly StreamableTrack[];
  /** Tracks that cannot be streamed, with why. */
  readonly skipped: ReadonlyArray<{ trackId: number; reason: string }>;
  readonly durationSeconds: number;
}

/** Largest moov we will read into memory; a bigger one is refused, not allocated. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

export class MovieLibrary {
  private readonly entries = new Map<string, Promise<OpenMovie>>();

  constructor(
    readonly folder: MoviesFolder,
    private readonly onRejected: (file: string, box: string, message: string) => void = () => {},
  ) {}

  async open(segments: readonly string[]): Promise<OpenMovie> {
    const { file, size, mtimeMs } = await this.folder.resolve(segments);
    const cached = this.entries.get(file);
    if (cached) {
      const movie = await cached.catch(() => null);
      if (movie && movie.mtimeMs === mtimeMs && movie.reader.size === size) return movie;
      this.entries.delete(file);
      if (movie && !movie.reader.inUse) void movie.reader.close();
    }
    const opening = this.load(file, mtimeMs);
    this.entries.set(file, opening);
    opening.catch(() => this.entries.delete(file));
    return opening;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) {
      const movie = await entry.catch(() => null);
      if (movie) await movie.reader.close();
    }
  }

  private async load(file: string, mtimeMs: number): Promise<OpenMovie> {
    const reader = await MovieFileReader.open(file);
    try {
      const moov = await findMoov(reader);
      const movie = parseMovie(moov, reader.size);
      const tracks: StreamableTrack[] = [];
      const skipped: Array<{ trackId: number; reason: string }> = [];
      for (const track of movie.tracks) {
        if (track.kind !== 'video' && track.kind !== 'audio') continue;
        if (track.samples.count === 0) {
          skipped.push({ trackId: track.id, reason: 'no samples' });
          continue;
        }
        const packetizer = createPacketizer(track, 96 + tracks.length);
        if ('unsupported' in packetizer) {
          skipped.push({ trackId: track.id, reason: packetizer.unsupported });
          continue;
        }
        tracks.push({
          trackId: track.id,
          track,
          packetizer,
          codec: track.descriptions[0]?.format ?? '?',
          averageBitrate: averageBitrate(track),
        });
      }
      if (tracks.length === 0) {
        const why = skipped.map((s) => `track ${s.trackId}: ${s.reason}`).join('; ') || 'no audio or video track';
        throw new RtspError(415, `nothing streamable in ${file}: ${why}`);
      }
      const durationSeconds = Math.max(...tracks.map((t) => t.track.duration / t.track.timescale), movie.timescale > 0 ? movie.duration / movie.timescale : 0);
      return { file, mtimeMs, movie, reader, tracks, skipped, durationSeconds };
    } catch (error) {
      await reader.close();
      if (error instanceof MovieFormatError) {
        this.onRejected(file, error.box, error.message);
        throw new RtspError(415, `${file} is not a usable movie: ${error.message} (box ${error.box})`);
      }
      throw error;
    }
  }
}

/** Scans top-level boxes for moov (faststart files have it first, others last). */
async function findMoov(reader: MovieFileReader): Promise<Buffer> {
  let offset = 0;
  for (let boxes = 0; offset < reader.size; boxes++) {
    if (boxes > 10_000) throw new MovieFormatError('more than 10000 top-level boxes', 'file');
    const headerBytes = await reader.read(offset, 16);
    const header = parseBoxHeader(headerBytes, offset, reader.size - offset);
    if (header.type === 'moov') {
      if (header.size > MAX_MOOV_BYTES) throw new MovieFormatError(`moov of ${header.size} bytes is larger than ${MAX_MOOV_BYTES}`, 'moov');
      const moov = await reader.read(offset, header.size);
      if (moov.length < header.size) throw new MovieFormatError('moov is truncated', 'moov');
      return moov;
    }
    offset += header.size;
  }
  throw new MovieFormatError('no moov box: not a QuickTime/MP4 movie', 'moov');
}

function averageBitrate(track: MovieTrack): number {
  const seconds = track.duration / track.timescale;
  if (!(seconds > 0)) return 0;
  let bytes = 0;
  for (let i = 0; i < track.samples.count; i++) bytes += track.samples.sizes[i]!;
  return (bytes * 8) / seconds;
}
