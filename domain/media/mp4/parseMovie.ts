/**
 * The moov box of a QuickTime/MP4 file to a Movie. Pure: the adapter finds and reads
 * the moov (see parseBoxHeader) and passes the file size so sample positions can be
 * checked. Corrupt input throws MovieFormatError naming the box, never anything else,
 * and allocation stays bounded by the moov's length and a movie-wide sample budget.
 */
import { MovieFormatError, type Movie, type MovieTrack } from '../movie.js';
import { childBodies, children, requireChild, rootBox, type Box } from './box.js';
import { parseTrack, readTimescaleAndDuration } from './parseTrack.js';
import { DEFAULT_SAMPLE_BUDGET, type SampleBudget } from './sampleTable.js';

export interface ParseMovieOptions {
  /** Most samples the movie may hold across all tracks (default 2^24, see SampleBudget). */
  readonly maxSamples?: number;
}

/** `moov` is the whole moov box including its 8- or 16-byte header. */
export function parseMovie(moov: Buffer, fileSize: number, options: ParseMovieOptions = {}): Movie {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new MovieFormatError(`file size ${fileSize} is not a byte count`, 'moov');
  }
  const root = rootBox(moov, 'moov');
  const { timescale, duration } = readTimescaleAndDuration(requireChild(root, 'mvhd'));
  const budget: SampleBudget = { remaining: options.maxSamples ?? DEFAULT_SAMPLE_BUDGET };
  const tracks: MovieTrack[] = [];
  let userData = new Map<string, Buffer>();
  let trakNumber = 0;
  for (const child of children(root)) {
    if (child.type === 'trak') {
      trakNumber++;
      // 1-based like the sample tables, so errors read 'moov/trak[2]/mdia/...'.
      const trak: Box = { ...child, path: `${root.path}/trak[${trakNumber}]` };
      tracks.push(parseTrack(trak, fileSize, budget));
    } else if (child.type === 'udta' && userData.size === 0) {
      userData = childBodies(child);
    }
  }
  return { timescale, duration, tracks, userData };
}
