/** Test helpers: the sample movies and their moov boxes, found with the domain's header parser. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBoxHeader } from '../../../domain/media/mp4/boxHeader.js';
import type { MovieTrack } from '../../../domain/media/movie.js';
import { sharedMediaFolder } from '../../helpers/sharedMedia.js';
import { parseMovie as parseMovieForFixture } from '../../../domain/media/mp4/parseMovie.js';

export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const samplePath = path.join(repoRoot, 'adapters/files/sample/sample.mp4');
export const hintedPath = path.join(sharedMediaFolder, 'sample_h264_100kbit.mp4');

export interface LoadedMovie {
  readonly file: Buffer;
  /** The whole moov box, header included. */
  readonly moov: Buffer;
  readonly moovOffset: number;
}

/** Scans top-level boxes the way the file adapter does: 16-byte header reads. */
export function loadMovie(file: string): LoadedMovie {
  const bytes = readFileSync(file);
  let offset = 0;
  while (offset < bytes.length) {
    const header = parseBoxHeader(bytes.subarray(offset, offset + 16), offset, bytes.length - offset);
    if (header.type === 'moov') {
      return { file: bytes, moov: bytes.subarray(offset, offset + header.size), moovOffset: offset };
    }
    offset += header.size;
  }
  throw new Error(`${file}: no moov box`);
}

export function hintedAvailable(): boolean {
  if (existsSync(hintedPath)) return true;
  console.warn(`\n!!! SKIPPING hinted-movie tests: ${hintedPath} is missing !!!\n`);
  return false;
}

/** The generated fixtures of test/fixtures/media (see make-fixtures.sh there). */
export const fixturesDir = path.join(repoRoot, 'test/fixtures/media');

export function fixturePath(name: string): string {
  return path.join(fixturesDir, name);
}

/** A fixture movie's track and its sample bytes; null (with a loud warning) when the fixture is missing. */
export function fixtureTrack(
  name: string,
  trackIndex = 0,
): { file: Buffer; track: MovieTrack; sample(i: number): Buffer } | null {
  const file = fixturePath(name);
  if (!existsSync(file)) {
    console.warn(`\n!!! SKIPPING: fixture ${file} is missing; run test/fixtures/media/make-fixtures.sh !!!\n`);
    return null;
  }
  const loaded = loadMovie(file);
  const track = parseMovieForFixture(loaded.moov, loaded.file.length).tracks[trackIndex]!;
  return {
    file: loaded.file,
    track,
    sample: (i) => loaded.file.subarray(track.samples.offsets[i]!, track.samples.offsets[i]! + track.samples.sizes[i]!),
  };
}

/** True when every named fixture exists; warns loudly otherwise (for `skip:`). */
export function fixturesMissing(...names: string[]): string | false {
  const missing = names.filter((n) => !existsSync(fixturePath(n)));
  if (missing.length === 0) return false;
  const message = `fixtures missing (${missing.join(', ')}): run test/fixtures/media/make-fixtures.sh`;
  console.warn(`\n!!! SKIPPING: ${message} !!!\n`);
  return message;
}
