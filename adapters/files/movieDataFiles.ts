import path from 'node:path';
import { externalDataFiles } from '../../domain/media/mp4/dataReferences.js';
import { MovieFormatError, type MovieTrack } from '../../domain/media/movie.js';
import { checkSamplesInFiles, trakPath, type DataSpace } from '../../domain/media/movieDataSpace.js';
import { RtspError } from '../../actors/rtspSession/sessionMedia.js';
import { BlockCachedFile } from './blockCachedFile.js';
import type { MovieFileReader } from './movieFileReader.js';
import type { MoviesFolder } from './moviesFolder.js';

/**
 * Opens the files beside a reference movie that the tracks it streams read samples
 * from, and attaches each to the movie's reader at its window. A file that is missing,
 * leads outside the movies folder, or is too short for the samples placed in it makes
 * the movie unusable: that is a MovieFormatError naming the file and the track's dref
 * (or sample table), so the caller answers 415 and logs it like any broken movie.
 */

/** What a data file was when opened: a DESCRIBE reopens the movie when any of it changed. */
export interface DataFileStamp {
  readonly name: string;
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** `tracks` are the placed tracks (from `space.movie`) whose samples will be read. */
export async function attachDataFiles(
  folder: MoviesFolder,
  movieFile: string,
  reader: MovieFileReader,
  space: DataSpace,
  tracks: readonly MovieTrack[],
): Promise<DataFileStamp[]> {
  const opened = new Map<string, BlockCachedFile>();
  for (const track of tracks) {
    const trak = trakPath(space.movie, track);
    const dref = `${trak}/mdia/minf/dinf/dref`;
    const { files, unresolvable } = externalDataFiles([track]);
    const refused = unresolvable[0];
    if (refused !== undefined) throw new MovieFormatError(`track ${track.id} reads its samples through a data reference that is not followed: ${refused.reason}`, dref);
    for (const name of files.keys()) {
      if (opened.has(name)) continue;
      const file = await openBeside(folder, movieFile, name, track.id, dref);
      opened.set(name, file);
      reader.attach(space.files.indexOf(name) + 1, file);
    }
    checkSamplesInFiles(track, `${trak}/mdia/minf/stbl`, (window) => {
      if (window === 0) return { name: path.basename(movieFile), size: reader.size };
      const name = space.files[window - 1];
      const file = name === undefined ? undefined : opened.get(name);
      return file === undefined || name === undefined ? undefined : { name, size: file.size };
    });
  }
  return [...opened].map(([name, file]) => ({ name, file: file.path, size: file.size, mtimeMs: file.mtimeMs }));
}

/** True while every data file is still the one opened (same real path, size and mtime). */
export async function dataFilesUnchanged(folder: MoviesFolder, movieFile: string, stamps: readonly DataFileStamp[]): Promise<boolean> {
  for (const stamp of stamps) {
    try {
      const now = await folder.resolveBeside(movieFile, stamp.name);
      if (now.file !== stamp.file || now.size !== stamp.size || now.mtimeMs !== stamp.mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function openBeside(folder: MoviesFolder, movieFile: string, name: string, trackId: number, box: string): Promise<BlockCachedFile> {
  const why = (detail: string): MovieFormatError =>
    new MovieFormatError(`track ${trackId} reads its samples from '${name}', which ${detail}`, box);
  let file: string;
  try {
    ({ file } = await folder.resolveBeside(movieFile, name));
  } catch (error) {
    if (!(error instanceof RtspError)) throw error;
    throw why(error.status === 404 ? 'is missing: it must sit beside the movie' : `cannot be read: ${error.message}`);
  }
  try {
    return await BlockCachedFile.open(file);
  } catch (error) {
    throw why(`cannot be opened: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
