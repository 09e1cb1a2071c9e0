/**
 * The sample layout of uncompressed audio, from a sample description: QuickTime 'twos'
 * (big-endian signed), 'sowt' (little-endian signed), 'raw ' (8-bit offset binary),
 * 'lpcm' (v2 description with Core Audio format flags), ISO 'ipcm' (pcmC), and G.711
 * 'ulaw'/'alaw' (one byte a sample whatever the description's sample size says: QuickTime
 * writes 16 there). The audio-file parsers describe their data with the same codes.
 */
import type { SampleDescription } from '../movie.js';

export interface PcmLayout {
  readonly encoding: 'linear' | 'ulaw' | 'alaw';
  /** Bits per sample: 8 or 16 for linear, 8 for G.711. */
  readonly bits: number;
  readonly bigEndian: boolean;
  readonly signed: boolean;
  readonly channels: number;
  readonly sampleRate: number;
  /** Bytes of one frame (one sample of every channel). */
  readonly bytesPerFrame: number;
}

const LPCM_FLOAT = 1;
const LPCM_BIG_ENDIAN = 2;
const LPCM_SIGNED = 4;

/** The layout, or why the description is not audio RTP can carry as L8/L16/PCMU/PCMA. */
export function pcmLayoutOf(d: SampleDescription): PcmLayout | { unsupported: string } {
  const channels = d.channelCount ?? 0;
  const sampleRate = d.sampleRate ?? 0;
  if (!(channels >= 1) || !(sampleRate >= 1) || !Number.isInteger(sampleRate)) {
    return { unsupported: `${channels} channels at ${sampleRate} Hz` };
  }
  const bits = d.sampleSize ?? 16;
  switch (d.format) {
    case 'ulaw':
    case 'alaw':
      return { encoding: d.format, bits: 8, bigEndian: true, signed: false, channels, sampleRate, bytesPerFrame: channels };
    case 'raw ':
      return linear(8, true, false, channels, sampleRate);
    case 'twos':
      return linear(bits, true, true, channels, sampleRate);
    case 'sowt':
      return linear(bits, false, true, channels, sampleRate);
    case 'lpcm':
    case 'ipcm': {
      const flags = d.pcmFormatFlags ?? 0;
      if (flags & LPCM_FLOAT) return { unsupported: 'floating-point PCM' };
      return linear(bits, (flags & LPCM_BIG_ENDIAN) !== 0 || bits === 8, (flags & LPCM_SIGNED) !== 0, channels, sampleRate);
    }
    default:
      return { unsupported: `'${d.format}' is not PCM` };
  }
}

function linear(bits: number, bigEndian: boolean, signed: boolean, channels: number, sampleRate: number): PcmLayout | { unsupported: string } {
  if (bits !== 8 && bits !== 16) return { unsupported: `${bits}-bit PCM` };
  if (bits === 16 && !signed) return { unsupported: 'unsigned 16-bit PCM' };
  return { encoding: 'linear', bits, bigEndian, signed, channels, sampleRate, bytesPerFrame: (bits / 8) * channels };
}
