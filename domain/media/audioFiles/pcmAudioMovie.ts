/**
 * The Movie of an uncompressed audio file: one sound track whose synthesized samples are
 * ~20 ms runs of frames of the file's data, so the same player and PCM packetizers
 * stream WAV, AIFF and AU files. Nothing is read: the table only needs where the data
 * is and how long it is.
 */
import { MovieFormatError, type Movie, type SampleDescription, type SampleTable } from '../movie.js';
import { DEFAULT_PACKET_MS } from '../pcm/pcmPackets.js';

export interface PcmData {
  /** 'sowt', 'twos', 'raw ', 'ulaw', 'alaw' or 'lpcm' (with pcmFormatFlags): see pcm/pcmFormat.ts. */
  readonly format: string;
  readonly channels: number;
  readonly sampleRate: number;
  /** Bits per sample as stored. */
  readonly bits: number;
  /** Bytes of one frame: one sample for every channel. */
  readonly bytesPerFrame: number;
  readonly pcmFormatFlags?: number;
  /** Where the sample data starts in the file, and how many bytes of it there are. */
  readonly dataOffset: number;
  readonly dataSize: number;
}

/** Samples a synthesized table may hold: beyond, samples grow longer than 20 ms. */
const MAX_SAMPLES = 1 << 20;

export function pcmAudioMovie(data: PcmData, what: string, packetMs = DEFAULT_PACKET_MS): Movie {
  if (!(data.channels >= 1) || !(data.bytesPerFrame >= 1)) {
    throw new MovieFormatError(`${what}: ${data.channels} channels, ${data.bytesPerFrame} bytes a frame`, what);
  }
  const timescale = Math.round(data.sampleRate);
  if (!(timescale >= 1) || timescale > 1_000_000) throw new MovieFormatError(`${what}: sample rate ${data.sampleRate} is not usable`, what);
  const frames = Math.floor(data.dataSize / data.bytesPerFrame);
  const perSample = Math.max(1, Math.round((timescale * packetMs) / 1000), Math.ceil(frames / MAX_SAMPLES));
  const count = Math.ceil(frames / perSample);
  const offsets = new Float64Array(count);
  const sizes = new Uint32Array(count);
  const decodeTimes = new Float64Array(count);
  const durations = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const first = i * perSample;
    const n = Math.min(perSample, frames - first);
    offsets[i] = data.dataOffset + first * data.bytesPerFrame;
    sizes[i] = n * data.bytesPerFrame;
    decodeTimes[i] = first;
    durations[i] = n;
  }
  const samples: SampleTable = {
    count,
    offsets,
    sizes,
    decodeTimes,
    compositionOffsets: new Int32Array(count),
    durations,
    syncSamples: null,
    descriptionIndexes: new Uint16Array(count).fill(1),
  };
  const description: SampleDescription = {
    format: data.format,
    channelCount: data.channels,
    sampleRate: timescale,
    sampleSize: data.bits,
    extensions: new Map(),
    dataReferenceIndex: 1,
    ...(data.pcmFormatFlags === undefined ? {} : { pcmFormatFlags: data.pcmFormatFlags }),
  };
  return {
    timescale,
    duration: frames,
    tracks: [
      {
        id: 1,
        kind: 'audio',
        handler: 'soun',
        timescale,
        duration: frames,
        descriptions: [description],
        samples,
        references: new Map(),
        userData: new Map(),
      },
    ],
    userData: new Map(),
  };
}
