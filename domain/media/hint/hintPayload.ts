/**
 * The payload of one hinted RTP packet, as chunks for a scatter/gather send: immediate
 * bytes are views into the hint sample, media bytes come from the caller's resolver
 * (which reads the right file: the movie, or one beside it for a reference movie).
 */
import type { Movie } from '../movie.js';
import type { HintPacket } from './hintSample.js';

/**
 * `length` bytes starting `offset` bytes into sample `sampleIndex0` of track `trackId`,
 * or null when they are not loaded yet. Compressed-block constructors may ask for bytes
 * past the sample's own size (the rest of its chunk): read the file, do not clamp.
 */
export type SampleBytesResolver = (trackId: number, sampleIndex0: number, offset: number, length: number) => Buffer | null;

/** The whole sample entry (header included) `descriptionIndex0` of track `trackId`. */
export type DescriptionBytesResolver = (trackId: number, descriptionIndex0: number) => Buffer | undefined;

/** Thrown when a constructor points at bytes that do not exist (a broken hint track). */
export class HintDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HintDataError';
  }
}

/**
 * The payload chunks of `packet`, or null while some referenced bytes are not loaded.
 * Zero-length constructors add nothing. Throws HintDataError for a resolver answer of
 * the wrong length or a sample description that does not hold the bytes.
 */
export function buildHintPayload(
  packet: HintPacket,
  resolve: SampleBytesResolver,
  describe?: DescriptionBytesResolver,
): Buffer[] | null {
  const chunks: Buffer[] = [];
  for (const c of packet.constructors) {
    if ((c.kind === 'immediate' ? c.data.length : c.length) === 0) continue;
    switch (c.kind) {
      case 'immediate':
        chunks.push(c.data);
        break;
      case 'sample': {
        const bytes = resolve(c.trackId, c.sampleIndex, c.offset, c.length);
        if (bytes === null) return null;
        if (bytes.length !== c.length) {
          throw new HintDataError(
            `track ${c.trackId} sample ${c.sampleIndex + 1}: ${c.length} bytes at ${c.offset} asked, ${bytes.length} found`,
          );
        }
        chunks.push(bytes);
        break;
      }
      case 'sampleDescription': {
        const entry = describe?.(c.trackId, c.descriptionIndex);
        if (entry === undefined || c.offset + c.length > entry.length) {
          throw new HintDataError(
            `track ${c.trackId} sample description ${c.descriptionIndex + 1}: ${c.length} bytes at ${c.offset} are not there`,
          );
        }
        chunks.push(entry.subarray(c.offset, c.offset + c.length));
        break;
      }
    }
  }
  return chunks;
}

/** Payload size in bytes of a packet, without resolving anything (for pacing and counters). */
export function hintPayloadSize(packet: HintPacket): number {
  let size = 0;
  for (const c of packet.constructors) size += c.kind === 'immediate' ? c.data.length : c.length;
  return size;
}

/** Resolves sample-description constructors from the parsed movie (the raw sample entries). */
export function descriptionResolverFor(movie: Movie): DescriptionBytesResolver {
  return (trackId, index) => movie.tracks.find((t) => t.id === trackId)?.descriptions[index]?.raw;
}
