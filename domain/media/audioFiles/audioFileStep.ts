/**
 * Audio files are parsed from what the adapter has read so far, without reading them
 * whole: a parser looks at a window of the file and either answers the Movie, or asks
 * for more bytes at an offset and says how to go on once they are read. The adapter's
 * loop is
 *
 *   let step = parseAudioFile(head, size, kind);
 *   while ('readAt' in step) step = step.resume(await read(step.readAt, step.length));
 *
 * A PCM file needs its header chunks only; an MP3 file is read frame header by frame
 * header (its frames vary in size), in windows of `MP3_WINDOW` bytes.
 */
import { MovieFormatError, type Movie } from '../movie.js';

export type AudioFileStep =
  | { readonly movie: Movie }
  | {
      readonly readAt: number;
      readonly length: number;
      /** Continues with the bytes read at readAt (fewer than length at the end of the file). */
      resume(bytes: Buffer): AudioFileStep;
    };

/** A run of file bytes starting at `offset`. */
export interface ByteWindow {
  readonly bytes: Buffer;
  readonly offset: number;
}

/** The bytes [at, at+length) if the window holds them all, else null. */
export function bytesIn(window: ByteWindow, at: number, length: number): Buffer | null {
  const start = at - window.offset;
  if (start < 0 || start + length > window.bytes.length) return null;
  return window.bytes.subarray(start, start + length);
}

/** Most reads one file may ask for before it is refused (bounds work on hostile files). */
export const MAX_READS = 100_000;

/** Asks for `length` bytes at `at`, guarding against loops that make no progress. */
export function need(
  at: number,
  length: number,
  fileSize: number,
  reads: { count: number },
  what: string,
  resume: (window: ByteWindow) => AudioFileStep,
): AudioFileStep {
  if (++reads.count > MAX_READS) throw new MovieFormatError(`${what}: more than ${MAX_READS} reads`, what);
  const clamped = Math.max(0, Math.min(length, fileSize - at));
  if (clamped === 0) throw new MovieFormatError(`${what}: truncated at byte ${at} of ${fileSize}`, what);
  return { readAt: at, length: clamped, resume: (bytes) => resume({ bytes, offset: at }) };
}
