/**
 * MP3 (and MP2/MP1) files: elementary MPEG audio frames, after any ID3v2 tags and up to
 * an ID3v1 or APE tag at the end. Frames vary in size (VBR bitrates, padding), so the
 * file is read header by header, a window at a time, and each frame becomes one sample
 * of the track. A Xing/Info/VBRI frame (an encoder's table of contents) is not audio
 * and is left out. Where the frame chain breaks (junk, a damaged frame), the scan looks
 * for the next run of two consecutive valid headers that match the stream.
 */
import { MovieFormatError, type Movie, type SampleTable } from '../movie.js';
import { isVbrHeaderFrame, parseMpegAudioHeader, type MpegAudioFrameHeader } from '../mpegAudio/mpegAudioHeader.js';
import { bytesIn, need, type AudioFileStep, type ByteWindow } from './audioFileStep.js';

/** How much of the file each read brings in. */
export const MP3_WINDOW = 256 * 1024;
const ID3V2_HEADER = 10;
const ID3V1_SIZE = 128;
/** Largest frame header to frame end distance (layer II at 384 kbit/s, 32 kHz is 1728; free format aside). */
const MAX_FRAME = 2881;
/** Bytes of junk tolerated before giving up on finding frames. */
const MAX_JUNK = 1 << 20;

interface Scan {
  offsets: number[];
  sizes: number[];
  stream: MpegAudioFrameHeader | null;
  junk: number;
  first: boolean;
  /** After junk, the next header must be confirmed by its successor again. */
  resyncing: boolean;
}

export function parseMp3(head: Buffer, fileSize: number): AudioFileStep {
  const reads = { count: 0 };
  const scan: Scan = { offsets: [], sizes: [], stream: null, junk: 0, first: true, resyncing: false };

  // ID3v2 tags (possibly several) before the first frame: 'ID3', version, flags, syncsafe size.
  const skipTags = (window: ByteWindow, pos: number): AudioFileStep => {
    const header = bytesIn(window, pos, ID3V2_HEADER);
    if (header === null && pos + ID3V2_HEADER <= fileSize) return need(pos, MP3_WINDOW, fileSize, reads, 'MP3', (w) => skipTags(w, pos));
    if (header !== null && header.toString('latin1', 0, 3) === 'ID3') {
      const size = (header[6]! & 0x7f) * 2 ** 21 + (header[7]! & 0x7f) * 2 ** 14 + (header[8]! & 0x7f) * 2 ** 7 + (header[9]! & 0x7f);
      const footer = header[5]! & 0x10 ? 10 : 0;
      return skipTags(window, pos + ID3V2_HEADER + size + footer);
    }
    return frames(window, pos, audioEnd(window));
  };

  // Where the audio ends: before an ID3v1 tag, when the head window shows it (small files).
  const audioEnd = (window: ByteWindow): number => {
    const tail = bytesIn(window, fileSize - ID3V1_SIZE, 3);
    return tail !== null && tail.toString('latin1') === 'TAG' ? fileSize - ID3V1_SIZE : fileSize;
  };

  const frames = (window: ByteWindow, start: number, end: number): AudioFileStep => {
    let pos = start;
    while (pos + 4 <= end) {
      // A frame and the next header (to confirm sync) must be in the window.
      const probe = bytesIn(window, pos, Math.min(MAX_FRAME + 4, end - pos));
      if (probe === null) return need(pos, MP3_WINDOW, fileSize, reads, 'MP3', (w) => frames(w, pos, end));
      if (isTrailer(probe, end - pos)) break;
      const header = parseMpegAudioHeader(probe, 0);
      const locked = scan.stream !== null && !scan.resyncing;
      if (header !== null && matches(scan.stream, header) && confirmed(probe, header, pos, end, locked)) {
        scan.resyncing = false;
        if (pos + header.frameSize > end) break; // a cut-off last frame
        const frame = probe.subarray(0, header.frameSize);
        const skip = scan.first && isVbrHeaderFrame(frame, header);
        scan.first = false;
        if (!skip) {
          scan.stream ??= header;
          scan.offsets.push(pos);
          scan.sizes.push(header.frameSize);
        }
        pos += header.frameSize;
      } else {
        if (++scan.junk > MAX_JUNK) throw new MovieFormatError(`MP3: no MPEG audio frames found near byte ${pos}`, 'MP3');
        scan.resyncing = true;
        pos++;
      }
    }
    return { movie: mp3Movie(scan) };
  };

  return skipTags({ bytes: head, offset: 0 }, 0);
}

/** Frames after the first must keep the stream's version, layer, rate and channels. */
function matches(stream: MpegAudioFrameHeader | null, h: MpegAudioFrameHeader): boolean {
  return stream === null || (h.version === stream.version && h.layer === stream.layer && h.sampleRate === stream.sampleRate && h.channels === stream.channels);
}

/**
 * A header is believed when the next frame's header follows it (or the audio ends
 * there). Inside a locked stream one valid header suffices, so a damaged successor does
 * not throw away a good frame.
 */
function confirmed(probe: Buffer, h: MpegAudioFrameHeader, pos: number, end: number, locked: boolean): boolean {
  if (locked) return true;
  if (pos + h.frameSize >= end || h.frameSize + 4 > probe.length) return true;
  const next = parseMpegAudioHeader(probe, h.frameSize);
  return next !== null && matches(h, next);
}

/** An ID3v1 tag (the last 128 bytes), an APEv2 tag or an appended ID3v2 tag: the audio is over. */
function isTrailer(probe: Buffer, left: number): boolean {
  const tag = probe.toString('latin1', 0, 3);
  return (tag === 'TAG' && left === ID3V1_SIZE) || tag === 'ID3' || probe.toString('latin1', 0, 8) === 'APETAGEX';
}

function mp3Movie(scan: Scan): Movie {
  const stream = scan.stream;
  if (stream === null || scan.offsets.length === 0) throw new MovieFormatError('MP3: no MPEG audio frames', 'MP3');
  const count = scan.offsets.length;
  const perFrame = stream.samplesPerFrame;
  const decodeTimes = new Float64Array(count);
  for (let i = 0; i < count; i++) decodeTimes[i] = i * perFrame;
  const samples: SampleTable = {
    count,
    offsets: Float64Array.from(scan.offsets),
    sizes: Uint32Array.from(scan.sizes),
    decodeTimes,
    compositionOffsets: new Int32Array(count),
    durations: new Uint32Array(count).fill(perFrame),
    syncSamples: null,
    descriptionIndexes: new Uint16Array(count).fill(1),
  };
  const duration = count * perFrame;
  return {
    timescale: stream.sampleRate,
    duration,
    tracks: [
      {
        id: 1,
        kind: 'audio',
        handler: 'soun',
        timescale: stream.sampleRate,
        duration,
        descriptions: [
          { format: '.mp3', channelCount: stream.channels, sampleRate: stream.sampleRate, sampleSize: 16, extensions: new Map(), dataReferenceIndex: 1 },
        ],
        samples,
        references: new Map(),
        userData: new Map(),
      },
    ],
    userData: new Map(),
  };
}
