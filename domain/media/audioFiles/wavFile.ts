/**
 * WAV (RIFF WAVE): the 'fmt ' chunk (WAVEFORMAT / WAVEFORMATEXTENSIBLE) and where the
 * 'data' chunk is. Format tags: 1 PCM (8-bit unsigned, 16-bit little-endian signed),
 * 3 IEEE float, 6 A-law, 7 µ-law; 0xFFFE takes the tag from its subformat GUID.
 * A data size of 0 or 0xFFFFFFFF (written by a recorder that never finished) or past
 * the end of the file means "to the end of the file".
 */
import { MovieFormatError, type Movie } from '../movie.js';
import type { AudioFileStep, ByteWindow } from './audioFileStep.js';
import { walkChunks } from './chunkWalk.js';
import { pcmAudioMovie, type PcmData } from './pcmAudioMovie.js';

const PCM = 1;
const FLOAT = 3;
const ALAW = 6;
const MULAW = 7;
const EXTENSIBLE = 0xfffe;

export function parseWav(head: Buffer, fileSize: number): AudioFileStep {
  if (head.length < 12 || head.toString('latin1', 8, 12) !== 'WAVE') throw fail('not a RIFF WAVE file');
  const riff = head.toString('latin1', 0, 4);
  if (riff === 'RF64') throw fail('RF64 (64-bit WAV) is not supported');
  if (riff !== 'RIFF') throw fail('not a RIFF WAVE file');
  const found: { format: PcmFormat | null; data: { offset: number; size: number } | null } = { format: null, data: null };
  // The RIFF/FORM size is not trusted: writers that never finished leave it 0 or short.
  const first: ByteWindow = { bytes: head, offset: 0 };
  return walkChunks(first, { what: 'WAV', littleEndian: true, from: 12, end: fileSize, fileSize }, {
    bodyBytes: (chunk) => (chunk.id === 'fmt ' ? 40 : 0),
    visit(chunk, body) {
      if (chunk.id === 'fmt ') {
        found.format = readFmt(body);
      } else if (chunk.id === 'data') {
        const available = fileSize - chunk.bodyOffset;
        found.data = { offset: chunk.bodyOffset, size: chunk.size === 0 || chunk.size > available ? available : chunk.size };
      }
      return found.format !== null && found.data !== null;
    },
    finish(): Movie {
      if (found.format === null) throw fail("no 'fmt ' chunk");
      if (found.data === null) throw fail("no 'data' chunk");
      return pcmAudioMovie({ ...found.format, dataOffset: found.data.offset, dataSize: found.data.size }, 'WAV');
    },
  });
}

type PcmFormat = Omit<PcmData, 'dataOffset' | 'dataSize'>;

function readFmt(body: Buffer): PcmFormat {
  if (body.length < 16) throw fail(`'fmt ' chunk of ${body.length} bytes`);
  let tag = body.readUInt16LE(0);
  const channels = body.readUInt16LE(2);
  const sampleRate = body.readUInt32LE(4);
  const blockAlign = body.readUInt16LE(12);
  const bits = body.readUInt16LE(14);
  if (tag === EXTENSIBLE && body.length >= 26) tag = body.readUInt16LE(24);
  const common = { channels, sampleRate, bits, bytesPerFrame: blockAlign || Math.ceil(bits / 8) * channels };
  switch (tag) {
    case PCM:
      return { ...common, format: bits === 8 ? 'raw ' : 'sowt' };
    case FLOAT:
      // Little-endian float: lpcm flags float (1), not big-endian.
      return { ...common, format: 'lpcm', pcmFormatFlags: 1 };
    case ALAW:
      return { ...common, format: 'alaw' };
    case MULAW:
      return { ...common, format: 'ulaw' };
    default:
      throw fail(`format tag 0x${tag.toString(16).padStart(4, '0')} (compressed audio) is not supported`);
  }
}

function fail(message: string): MovieFormatError {
  return new MovieFormatError(`WAV: ${message}`, 'WAV');
}
