/**
 * AIFF and AIFF-C (IFF 'FORM', big-endian): 'COMM' gives channels, frames, sample size
 * and the rate as an 80-bit IEEE 754 extended float; AIFF-C adds a compression type
 * ('NONE'/'twos' big-endian PCM, 'sowt' little-endian, 'raw ' offset binary,
 * 'ulaw'/'alaw' G.711, 'fl32' float). 'SSND' starts with an offset and a block size,
 * then the frames.
 */
import { MovieFormatError, type Movie } from '../movie.js';
import type { AudioFileStep, ByteWindow } from './audioFileStep.js';
import { walkChunks } from './chunkWalk.js';
import { pcmAudioMovie, type PcmData } from './pcmAudioMovie.js';

type PcmFormat = Omit<PcmData, 'dataOffset' | 'dataSize'>;

const COMPRESSION_FORMATS: Record<string, { format: string; flags?: number; bits?: number }> = {
  NONE: { format: 'twos' },
  twos: { format: 'twos' },
  sowt: { format: 'sowt' },
  'raw ': { format: 'raw ' },
  ulaw: { format: 'ulaw', bits: 8 },
  ULAW: { format: 'ulaw', bits: 8 },
  alaw: { format: 'alaw', bits: 8 },
  ALAW: { format: 'alaw', bits: 8 },
  // Big-endian float: lpcm flags float (1) | big-endian (2).
  fl32: { format: 'lpcm', flags: 3 },
  FL32: { format: 'lpcm', flags: 3 },
};

export function parseAiff(head: Buffer, fileSize: number): AudioFileStep {
  const form = head.length >= 12 ? head.toString('latin1', 8, 12) : '';
  if (head.toString('latin1', 0, 4) !== 'FORM' || (form !== 'AIFF' && form !== 'AIFC')) throw fail('not an AIFF or AIFF-C file');
  const aifc = form === 'AIFC';
  const found: { format: PcmFormat | null; frames: number; data: { offset: number; size: number } | null } = {
    format: null,
    frames: 0,
    data: null,
  };
  // The RIFF/FORM size is not trusted: writers that never finished leave it 0 or short.
  const first: ByteWindow = { bytes: head, offset: 0 };
  return walkChunks(first, { what: 'AIFF', littleEndian: false, from: 12, end: fileSize, fileSize }, {
    bodyBytes: (chunk) => (chunk.id === 'COMM' ? 22 : chunk.id === 'SSND' ? 8 : 0),
    visit(chunk, body) {
      if (chunk.id === 'COMM') {
        const comm = readComm(body, aifc);
        found.format = comm.format;
        found.frames = comm.frames;
      } else if (chunk.id === 'SSND') {
        if (body.length < 8) throw fail('SSND chunk is truncated');
        const offset = chunk.bodyOffset + 8 + body.readUInt32BE(0);
        const declared = Math.max(0, chunk.size - 8 - body.readUInt32BE(0));
        found.data = { offset, size: Math.max(0, Math.min(declared, fileSize - offset)) };
      }
      return found.format !== null && found.data !== null;
    },
    finish(): Movie {
      if (found.format === null) throw fail('no COMM chunk');
      if (found.data === null) throw fail('no SSND chunk');
      // COMM's frame count is authoritative when the SSND chunk holds more (padding).
      const size = Math.min(found.data.size, found.frames * found.format.bytesPerFrame);
      return pcmAudioMovie({ ...found.format, dataOffset: found.data.offset, dataSize: size }, 'AIFF');
    },
  });
}

function readComm(body: Buffer, aifc: boolean): { format: PcmFormat; frames: number } {
  if (body.length < 18) throw fail(`COMM chunk of ${body.length} bytes`);
  const channels = body.readInt16BE(0);
  const frames = body.readUInt32BE(2);
  let bits = body.readInt16BE(6);
  const sampleRate = extendedToNumber(body.subarray(8, 18));
  let compression = 'NONE';
  if (aifc) {
    if (body.length < 22) throw fail('AIFF-C COMM chunk has no compression type');
    compression = body.toString('latin1', 18, 22);
  }
  const known = COMPRESSION_FORMATS[compression];
  if (known === undefined) throw fail(`compression '${compression}' is not supported`);
  if (known.bits !== undefined) bits = known.bits;
  if (!(channels >= 1) || !(bits >= 1)) throw fail(`${channels} channels of ${bits}-bit samples`);
  return {
    format: {
      format: known.format,
      channels,
      sampleRate,
      bits,
      bytesPerFrame: Math.ceil(bits / 8) * channels,
      ...(known.flags === undefined ? {} : { pcmFormatFlags: known.flags }),
    },
    frames,
  };
}

/** An 80-bit IEEE 754 extended float: sign, 15-bit exponent (bias 16383), 64-bit mantissa with explicit integer bit. */
export function extendedToNumber(bytes: Buffer): number {
  if (bytes.length < 10) return Number.NaN;
  const sign = bytes[0]! & 0x80 ? -1 : 1;
  const exponent = bytes.readUInt16BE(0) & 0x7fff;
  const hi = bytes.readUInt32BE(2);
  const lo = bytes.readUInt32BE(6);
  if (exponent === 0 && hi === 0 && lo === 0) return 0;
  if (exponent === 0x7fff) return Number.NaN;
  const shift = exponent - 16383;
  return sign * (hi * 2 ** (shift - 31) + lo * 2 ** (shift - 63));
}

function fail(message: string): MovieFormatError {
  return new MovieFormatError(`AIFF: ${message}`, 'AIFF');
}
