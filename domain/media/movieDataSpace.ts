/**
 * Where the server reads a sample's bytes, as one number that names both the file and
 * the offset in it. The movie file keeps its own offsets (window 0); each file a
 * reference movie points at (dref: beside the movie) gets a window of 2^44 bytes
 * (16 TiB) of its own, and the offsets of the samples stored there are moved into it.
 *
 * Why one number rather than a file per track: everything that reads sample bytes
 * (the media and hint cursors, hint constructors reaching into another track's
 * samples, chunk arithmetic, PCM regrouping) already works on a sample's offset and
 * size, and samples of one track may live in several files (a description picks its
 * data reference). With windows they all keep working unchanged, one shared reader
 * routes each read to its file, and a self-contained movie is not touched at all.
 */
import { dataReferenceOfDescription, hasExternalData } from './mp4/dataReferences.js';
import { MovieFormatError, type Movie, type MovieTrack, type SampleTable } from './movie.js';

export const DATA_FILE_WINDOW = 2 ** 44;
/** Positions stay exact integers in a Float64 below 2^53: 512 windows, less the movie's and the unplaced one. */
export const MAX_DATA_FILES = 2 ** 53 / DATA_FILE_WINDOW - 2;
/**
 * Samples whose reference cannot be followed go to a window no file is ever opened at,
 * so a mistake elsewhere reads nothing rather than some other file's bytes.
 */
export const UNPLACED_WINDOW = MAX_DATA_FILES + 1;

export interface DataSpace {
  /** The movie with every track's sample (and chunk) offsets placed in their windows. */
  readonly movie: Movie;
  /** Names of the files beside the movie: `files[k]` is read through window k + 1. */
  readonly files: readonly string[];
}

export function windowOf(position: number): number {
  return Math.floor(position / DATA_FILE_WINDOW);
}

/** The 'trak' path of a track for error messages, as the parser names boxes (1-based). */
export function trakPath(movie: Movie, track: MovieTrack): string {
  return `moov/trak[${movie.tracks.indexOf(track) + 1}]`;
}

/**
 * Places the samples of every track that reads another file. Throws MovieFormatError
 * when a sample would not fit its window (no real file is 16 TiB) or a movie names
 * more files than there are windows.
 */
export function placeSamples(movie: Movie): DataSpace {
  const files: string[] = [];
  const windows = new Map<string, number>();
  const windowOfFile = (name: string, box: string): number => {
    let window = windows.get(name);
    if (window === undefined) {
      if (files.length >= MAX_DATA_FILES) throw new MovieFormatError(`more than ${MAX_DATA_FILES} data files`, box);
      files.push(name);
      window = files.length;
      windows.set(name, window);
    }
    return window;
  };
  let moved = false;
  const tracks = movie.tracks.map((track) => {
    if (!hasExternalData(track)) return track;
    const trak = trakPath(movie, track);
    const windowOfDescription = track.descriptions.map((_, d) => {
      const ref = dataReferenceOfDescription(track, d);
      if (ref.kind === 'self') return 0;
      if (ref.kind === 'unresolvable') return UNPLACED_WINDOW;
      return windowOfFile(ref.fileName, `${trak}/mdia/minf/dinf/dref`);
    });
    moved = true;
    return { ...track, samples: placeTable(track.samples, windowOfDescription, `${trak}/mdia/minf/stbl`) };
  });
  return { movie: moved ? { ...movie, tracks } : movie, files };
}

function placeTable(samples: SampleTable, windowOfDescription: readonly number[], box: string): SampleTable {
  const windowOfSample = (i: number): number => windowOfDescription[(samples.descriptionIndexes[i] ?? 1) - 1] ?? UNPLACED_WINDOW;
  const offsets = new Float64Array(samples.count);
  for (let i = 0; i < samples.count; i++) {
    const offset = samples.offsets[i]!;
    const window = windowOfSample(i);
    if (window !== 0 && offset + samples.sizes[i]! > DATA_FILE_WINDOW) {
      throw new MovieFormatError(`${box}: sample ${i + 1} (${samples.sizes[i]} bytes at ${offset}) lies past 16 TiB of its data file`, box);
    }
    offsets[i] = window * DATA_FILE_WINDOW + offset;
  }
  const { chunkFirstSamples: firsts, chunkOffsets } = samples;
  if (firsts === undefined || chunkOffsets === undefined) return { ...samples, offsets };
  // A chunk holds samples of one description (stsc), so its first sample says where it is.
  const placedChunks = chunkOffsets.map((offset, c) => {
    const first = Math.min(firsts[c]!, samples.count - 1);
    return first < 0 ? offset : windowOfSample(first) * DATA_FILE_WINDOW + offset;
  });
  return { ...samples, offsets, chunkOffsets: placedChunks };
}

/**
 * Checks that every sample of a track reading other files lies inside the file its
 * window holds (window 0 is the movie file). The parser checks a self-contained track
 * against the movie file; a track that reads other files can only be checked once they
 * are open. `fileOfWindow` gives the name and size of an opened file.
 */
export function checkSamplesInFiles(
  track: MovieTrack,
  box: string,
  fileOfWindow: (window: number) => { readonly name: string; readonly size: number } | undefined,
): void {
  if (!hasExternalData(track)) return;
  const { offsets, sizes } = track.samples;
  for (let i = 0; i < track.samples.count; i++) {
    const window = windowOf(offsets[i]!);
    const file = fileOfWindow(window);
    const offset = offsets[i]! - window * DATA_FILE_WINDOW;
    if (file === undefined) throw new MovieFormatError(`${box}: sample ${i + 1} of track ${track.id} has no data file`, box);
    if (offset + sizes[i]! > file.size) {
      throw new MovieFormatError(`${box}: sample ${i + 1} of track ${track.id} (${sizes[i]} bytes at ${offset}) ends past the ${file.size}-byte ${file.name}`, box);
    }
  }
}
