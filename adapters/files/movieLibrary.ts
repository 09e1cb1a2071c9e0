import path from 'node:path';
import { parseBoxHeader } from '../../domain/media/mp4/boxHeader.js';
import { parseMovie } from '../../domain/media/mp4/parseMovie.js';
import { AUDIO_FILE_HEAD_BYTES, audioFileKindOf, parseAudioFile, sniffAudioFile } from '../../domain/media/audioFiles/parseAudioFile.js';
import { hintedPresentation, type HintedPresentation, type HintedTrack } from '../../domain/media/hint/hintedPresentation.js';
import { MovieFormatError, type Movie, type MovieTrack } from '../../domain/media/movie.js';
import { placeSamples } from '../../domain/media/movieDataSpace.js';
import { groupPcmSamples } from '../../domain/media/pcm/pcmSampleGroups.js';
import type { Packetizer } from '../../domain/media/packetizer.js';
import { createPacketizer } from '../../domain/media/packetizerForTrack.js';
import { RtspError } from '../../actors/rtspSession/sessionMedia.js';
import { HintSampleCache } from '../rtp/hintSampleCache.js';
import { PayloadCache } from '../rtp/payloadCache.js';
import { attachDataFiles, dataFilesUnchanged, type DataFileStamp } from './movieDataFiles.js';
import { MovieFileReader } from './movieFileReader.js';
import type { MoviesFolder } from './moviesFolder.js';

/**
 * Opens movies for streaming and keeps them open while they are used. An entry is
 * keyed by the file's real path and checked against its size and mtime at every
 * open, and so are the data files a reference movie reads beside it, so a movie or
 * data file replaced on disk is picked up by the next DESCRIBE.
 */
interface StreamableBase {
  /** The id clients SETUP (`trackID=N`): the media track's, or the hint track's. */
  readonly trackId: number;
  readonly mediaType: 'video' | 'audio' | 'application' | 'text';
  readonly codec: string;
  readonly averageBitrate: number;
  readonly payloadType: number;
  readonly clockRate: number;
}

/** A media track packetized on the fly. */
export interface PacketizedTrack extends StreamableBase {
  readonly kind: 'packetized';
  readonly track: MovieTrack;
  readonly packetizer: Packetizer;
  /** Packets of recently sent samples, shared by every session of this movie. */
  readonly packets: PayloadCache;
}

/** An RTP hint track, streamed as its hint samples say. */
export interface HintTrack extends StreamableBase {
  readonly kind: 'hinted';
  readonly hinted: HintedTrack;
  /** Parsed hint samples and their packets' payloads, shared by every session of this movie. */
  readonly samples: HintSampleCache;
}

export type StreamableTrack = PacketizedTrack | HintTrack;

export interface OpenMovie {
  readonly file: string;
  readonly mtimeMs: number;
  readonly movie: Movie;
  readonly reader: MovieFileReader;
  /** Files beside a reference movie that its streamed tracks read; empty when self-contained. */
  readonly dataFiles: readonly DataFileStamp[];
  readonly tracks: readonly StreamableTrack[];
  /** Tracks that cannot be streamed, with why. */
  readonly skipped: ReadonlyArray<{ trackId: number; reason: string }>;
  readonly durationSeconds: number;
  /** Set when the movie streams from its hint tracks (they bring their own SDP lines). */
  readonly hinted: HintedPresentation | null;
}

/** Largest moov we will read into memory; a bigger one is refused, not allocated. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

export class MovieLibrary {
  private readonly entries = new Map<string, Promise<OpenMovie>>();

  constructor(
    readonly folder: MoviesFolder,
    private readonly onRejected: (file: string, box: string, message: string) => void = () => {},
    /** Told about tracks left out of a movie that otherwise streams (a codec with no packetizer). */
    private readonly onSkipped: (file: string, message: string) => void = () => {},
  ) {}

  async open(segments: readonly string[]): Promise<OpenMovie> {
    const { file, size, mtimeMs } = await this.folder.resolve(segments);
    const cached = this.entries.get(file);
    if (cached) {
      const movie = await cached.catch(() => null);
      if (movie && movie.mtimeMs === mtimeMs && movie.reader.size === size && (await dataFilesUnchanged(this.folder, file, movie.dataFiles))) {
        return movie;
      }
      this.entries.delete(file);
      movie?.reader.retire();
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
      // A reference movie's samples in other files get positions of their own (see movieDataSpace).
      const space = placeSamples(await readMovie(reader, file));
      const placed = space.movie;
      // QuickTime PCM is stored a frame per sample: regroup into ~20 ms samples to send.
      const movie: Movie = { ...placed, tracks: placed.tracks.map((t) => (t.kind === 'audio' ? groupPcmSamples(t) : t)) };
      const skipped: Array<{ trackId: number; reason: string }> = [];
      const hinted = hintedPresentation(movie);
      const tracks: StreamableTrack[] = hinted && hinted.tracks.length > 0 ? hintTracks(hinted, skipped) : packetizedTracks(movie, skipped);
      if (tracks.length === 0) {
        const why = skipped.map((s) => `track ${s.trackId}: ${s.reason}`).join('; ') || 'no audio or video track';
        throw new RtspError(415, `nothing streamable in ${path.basename(file)}: ${why}`);
      }
      // Only files that streamed tracks read are needed: a missing one for a track left out does not matter.
      const read = tracksRead(tracks);
      const dataFiles = await attachDataFiles(this.folder, file, reader, space, placed.tracks.filter((t) => read.has(t.id)));
      for (const s of skipped) this.onSkipped(file, `track ${s.trackId} not streamed: ${s.reason}`);
      const durations = tracks.map((t) => (t.kind === 'hinted' ? t.hinted.hintTrack : t.track)).map((t) => t.duration / t.timescale);
      const durationSeconds = Math.max(...durations, movie.timescale > 0 ? movie.duration / movie.timescale : 0);
      return { file, mtimeMs, movie, reader, dataFiles, tracks, skipped, durationSeconds, hinted: hinted && hinted.tracks.length > 0 ? hinted : null };
    } catch (error) {
      await reader.close();
      if (error instanceof MovieFormatError) {
        this.onRejected(file, error.box, error.message);
        throw new RtspError(415, `${path.basename(file)} is not a usable movie: ${error.message} (box ${error.box})`);
      }
      throw error;
    }
  }
}

function packetizedTracks(movie: Movie, skipped: Array<{ trackId: number; reason: string }>): StreamableTrack[] {
  const tracks: StreamableTrack[] = [];
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
      kind: 'packetized',
      trackId: track.id,
      track,
      packetizer,
      packets: new PayloadCache(packetizer),
      mediaType: packetizer.mediaType,
      codec: track.descriptions[0]?.format ?? '?',
      averageBitrate: averageBitrate(track),
      payloadType: packetizer.payloadType,
      clockRate: packetizer.clockRate,
    });
  }
  return tracks;
}

function hintTracks(presentation: HintedPresentation, skipped: Array<{ trackId: number; reason: string }>): StreamableTrack[] {
  for (const s of presentation.skipped) skipped.push({ trackId: s.hintTrackId, reason: s.reason });
  return presentation.tracks.map((hinted) => ({
    kind: 'hinted' as const,
    trackId: hinted.hintTrackId,
    hinted,
    samples: new HintSampleCache(),
    mediaType: hinted.mediaType,
    codec: hinted.rtpmap?.split('/')[0] ?? `PT${hinted.payloadType}`,
    averageBitrate: hinted.averageBitrate,
    payloadType: hinted.payloadType,
    clockRate: hinted.timescale,
  }));
}

/** Ids of the tracks whose samples streaming reads: packetized tracks, hint tracks and the tracks their constructors read. */
function tracksRead(tracks: readonly StreamableTrack[]): Set<number> {
  const ids = new Set<number>();
  for (const t of tracks) {
    if (t.kind === 'packetized') ids.add(t.track.id);
    else for (const id of [t.hinted.hintTrackId, ...t.hinted.mediaTrackIds]) ids.add(id);
  }
  return ids;
}

/** A QuickTime/MP4 movie, or one of the audio files QTSS streamed (WAV, AIFF, AU, MP3). */
async function readMovie(reader: MovieFileReader, file: string): Promise<Movie> {
  const head = await reader.read(0, Math.min(AUDIO_FILE_HEAD_BYTES, reader.size));
  const audioKind = sniffAudioFile(head) ?? audioFileKindOf(file);
  if (audioKind !== null && !looksLikeQuickTime(head)) {
    let step = parseAudioFile(head, reader.size, audioKind);
    while (!('movie' in step)) step = step.resume(await reader.read(step.readAt, step.length));
    return step.movie;
  }
  return parseMovie(await findMoov(reader), reader.size);
}

/** The second word of a QuickTime/MP4 file is a top-level box type. */
function looksLikeQuickTime(head: Buffer): boolean {
  return head.length >= 8 && ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(head.toString('latin1', 4, 8));
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
