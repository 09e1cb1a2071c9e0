/**
 * Plain audio files as Movies, so the on-demand player streams them like a movie's
 * sound track: WAV, AIFF/AIFF-C and Sun .au as PCM or G.711 (~20 ms samples over the
 * data chunk, nothing read but the headers), MP3 as one sample per frame.
 */
import { MovieFormatError } from '../movie.js';
import { parseAiff } from './aiffFile.js';
import type { AudioFileStep } from './audioFileStep.js';
import { parseAu } from './auFile.js';
import { parseMp3 } from './mp3File.js';
import { parseWav } from './wavFile.js';

export type { AudioFileStep } from './audioFileStep.js';
export type AudioFileKind = 'wav' | 'aiff' | 'au' | 'mp3';

/** Bytes worth reading first: enough for every header of a typical file, and then some. */
export const AUDIO_FILE_HEAD_BYTES = 64 * 1024;

const EXTENSIONS: Record<string, AudioFileKind> = {
  wav: 'wav',
  wave: 'wav',
  aif: 'aiff',
  aiff: 'aiff',
  aifc: 'aiff',
  au: 'au',
  snd: 'au',
  mp3: 'mp3',
  mp2: 'mp3',
  mpa: 'mp3',
};

/** The kind of audio file a name suggests, or null (movies and everything else). */
export function audioFileKindOf(fileName: string): AudioFileKind | null {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? null : (EXTENSIONS[fileName.slice(dot + 1).toLowerCase()] ?? null);
}

/** The kind the first bytes show, whatever the name says, or null. */
export function sniffAudioFile(head: Buffer): AudioFileKind | null {
  const magic = head.toString('latin1', 0, 4);
  if ((magic === 'RIFF' || magic === 'RF64') && head.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (magic === 'FORM' && /^AIF[FC]$/.test(head.toString('latin1', 8, 12))) return 'aiff';
  if (magic === '.snd') return 'au';
  if (head.toString('latin1', 0, 3) === 'ID3' || (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)) return 'mp3';
  return null;
}

/**
 * Starts parsing from the first bytes of the file (`head`, read at offset 0; at least
 * AUDIO_FILE_HEAD_BYTES or the whole file). Throws MovieFormatError for a file that is
 * not of the kind or cannot be streamed; the kind the bytes show wins over the name.
 */
export function parseAudioFile(head: Buffer, fileSize: number, kind: AudioFileKind): AudioFileStep {
  if (!Number.isSafeInteger(fileSize) || fileSize < head.length) {
    throw new MovieFormatError(`file size ${fileSize} is not a byte count covering the ${head.length}-byte head`, kind);
  }
  switch (sniffAudioFile(head) ?? kind) {
    case 'wav':
      return parseWav(head, fileSize);
    case 'aiff':
      return parseAiff(head, fileSize);
    case 'au':
      return parseAu(head, fileSize);
    case 'mp3':
      return parseMp3(head, fileSize);
  }
}
