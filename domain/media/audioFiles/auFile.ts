/**
 * Sun/NeXT audio (.au, .snd): a 24-byte big-endian header ('.snd', data offset, data
 * size or 0xFFFFFFFF for unknown, encoding, rate, channels) and an optional annotation
 * before the data. Encodings: 1 µ-law, 2 8-bit signed, 3 16-bit signed, 4 24-bit,
 * 5 32-bit (linear, big-endian), 6 float, 27 A-law.
 */
import { MovieFormatError } from '../movie.js';
import type { AudioFileStep } from './audioFileStep.js';
import { pcmAudioMovie } from './pcmAudioMovie.js';

const ENCODINGS: Record<number, { format: string; bits: number; flags?: number }> = {
  1: { format: 'ulaw', bits: 8 },
  2: { format: 'twos', bits: 8 },
  3: { format: 'twos', bits: 16 },
  4: { format: 'twos', bits: 24 },
  5: { format: 'twos', bits: 32 },
  6: { format: 'lpcm', bits: 32, flags: 3 },
  27: { format: 'alaw', bits: 8 },
};

export function parseAu(head: Buffer, fileSize: number): AudioFileStep {
  if (head.length < 24 || head.toString('latin1', 0, 4) !== '.snd') throw fail('not a Sun audio (.snd) file');
  const dataOffset = head.readUInt32BE(4);
  const declared = head.readUInt32BE(8);
  const encoding = head.readUInt32BE(12);
  const sampleRate = head.readUInt32BE(16);
  const channels = head.readUInt32BE(20);
  const known = ENCODINGS[encoding];
  if (known === undefined) throw fail(`encoding ${encoding} is not supported`);
  if (dataOffset < 24 || dataOffset > fileSize) throw fail(`data offset ${dataOffset} is outside the file`);
  if (!(channels >= 1 && channels <= 64)) throw fail(`${channels} channels`);
  const available = fileSize - dataOffset;
  const dataSize = declared === 0xffffffff || declared > available ? available : declared;
  return {
    movie: pcmAudioMovie(
      {
        format: known.format,
        channels,
        sampleRate,
        bits: known.bits,
        bytesPerFrame: (known.bits / 8) * channels,
        ...(known.flags === undefined ? {} : { pcmFormatFlags: known.flags }),
        dataOffset,
        dataSize,
      },
      'AU',
    ),
  };
}

function fail(message: string): MovieFormatError {
  return new MovieFormatError(`AU: ${message}`, 'AU');
}
