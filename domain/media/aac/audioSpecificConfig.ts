/**
 * The start of an MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 section 1.6.2.1): what
 * RTP needs to announce the stream (object type, sampling rate, channels).
 */
import { MovieFormatError } from '../movie.js';

export interface AudioSpecificConfig {
  /** audioObjectType, after the escape (31 → 32 + 6 bits): 2 = AAC LC, 5 = SBR, 29 = PS. */
  readonly objectType: number;
  readonly samplingFrequencyIndex: number;
  /** In Hz; from the index table, or the explicit 24-bit value for index 0xF. */
  readonly samplingFrequency: number;
  /** 0 = defined in a program config element; 1-7 and 11-14 are standard layouts. */
  readonly channelConfiguration: number;
  /** SBR/PS explicit signalling (object type 5 or 29): the output sampling rate. */
  readonly extensionSamplingFrequency?: number;
}

const SAMPLING_FREQUENCIES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Channels of each channelConfiguration (0 means "see the PCE", reported as 0). */
const CHANNELS_BY_CONFIGURATION = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0];

export function channelCountOf(channelConfiguration: number): number {
  return CHANNELS_BY_CONFIGURATION[channelConfiguration] ?? 0;
}

export function parseAudioSpecificConfig(bytes: Buffer): AudioSpecificConfig {
  const bits = new BitReader(bytes);
  const objectType = readObjectType(bits);
  const { index: samplingFrequencyIndex, frequency: samplingFrequency } = readFrequency(bits);
  const channelConfiguration = bits.read(4);
  if (objectType === 5 || objectType === 29) {
    const extension = readFrequency(bits);
    return { objectType, samplingFrequencyIndex, samplingFrequency, channelConfiguration, extensionSamplingFrequency: extension.frequency };
  }
  return { objectType, samplingFrequencyIndex, samplingFrequency, channelConfiguration };
}

function readObjectType(bits: BitReader): number {
  const type = bits.read(5);
  return type === 31 ? 32 + bits.read(6) : type;
}

function readFrequency(bits: BitReader): { index: number; frequency: number } {
  const index = bits.read(4);
  if (index === 0x0f) {
    const frequency = bits.read(24);
    if (frequency === 0) throw fail('explicit sampling frequency is 0');
    return { index, frequency };
  }
  const frequency = SAMPLING_FREQUENCIES[index];
  if (frequency === undefined) throw fail(`sampling frequency index ${index} is reserved`);
  return { index, frequency };
}

class BitReader {
  private bit = 0;
  constructor(private readonly bytes: Buffer) {}

  read(count: number): number {
    if (this.bit + count > this.bytes.length * 8) {
      throw fail(`truncated: needs ${this.bit + count} bits, has ${this.bytes.length * 8}`);
    }
    let value = 0;
    for (let i = 0; i < count; i++, this.bit++) {
      value = value * 2 + ((this.bytes[this.bit >> 3]! >> (7 - (this.bit & 7))) & 1);
    }
    return value;
  }
}

function fail(message: string): MovieFormatError {
  return new MovieFormatError(`AudioSpecificConfig: ${message}`, 'esds');
}
