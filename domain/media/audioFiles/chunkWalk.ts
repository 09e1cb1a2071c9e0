/**
 * Walking the chunks of a RIFF (WAV, little-endian sizes) or IFF (AIFF, big-endian)
 * file: 4-byte id, 32-bit size, body padded to an even length. Only the chunks a format
 * needs are read, and only as far as it needs them; everything else is skipped by its
 * size, so a large chunk (cover art, a broadcast extension) costs no reading.
 */
import { MovieFormatError, type Movie } from '../movie.js';
import { bytesIn, need, type AudioFileStep, type ByteWindow } from './audioFileStep.js';

export interface Chunk {
  readonly id: string;
  readonly bodyOffset: number;
  /** Body size as declared (may exceed the file for a truncated or streamed file). */
  readonly size: number;
}

export interface ChunkHandler {
  /** Body bytes to read before `visit` (0: none). */
  bodyBytes(chunk: Chunk): number;
  /** Sees the chunk and its first bodyBytes bytes; true when nothing more is needed. */
  visit(chunk: Chunk, body: Buffer): boolean;
  /** The result, once visit said so or the chunks ran out. */
  finish(): Movie;
}

/** Largest chunk prefix ever read (a fmt or COMM chunk is tens of bytes). */
const MAX_BODY = 1 << 16;
const WINDOW = 1 << 16;

export function walkChunks(
  first: ByteWindow,
  spec: { what: string; littleEndian: boolean; from: number; end: number; fileSize: number },
  handler: ChunkHandler,
): AudioFileStep {
  const reads = { count: 0 };
  const step = (window: ByteWindow, pos: number): AudioFileStep => {
    for (;;) {
      if (pos + 8 > spec.end) return { movie: handler.finish() };
      const header = bytesIn(window, pos, 8);
      if (header === null) return need(pos, WINDOW, spec.fileSize, reads, spec.what, (w) => step(w, pos));
      const id = header.toString('latin1', 0, 4);
      const size = spec.littleEndian ? header.readUInt32LE(4) : header.readUInt32BE(4);
      const chunk: Chunk = { id, bodyOffset: pos + 8, size };
      const wanted = Math.min(handler.bodyBytes(chunk), size, spec.fileSize - chunk.bodyOffset);
      if (wanted > MAX_BODY) throw new MovieFormatError(`${spec.what}: '${id}' chunk of ${size} bytes is too large to read`, spec.what);
      let body: Buffer = Buffer.alloc(0);
      if (wanted > 0) {
        const got = bytesIn(window, chunk.bodyOffset, wanted);
        if (got === null) return need(pos, 8 + wanted, spec.fileSize, reads, spec.what, (w) => step(w, pos));
        body = got;
      }
      if (handler.visit(chunk, body)) return { movie: handler.finish() };
      const next = chunk.bodyOffset + size + (size & 1);
      if (next <= pos) throw new MovieFormatError(`${spec.what}: chunk '${id}' makes no progress`, spec.what);
      pos = next;
    }
  };
  return step(first, spec.from);
}
