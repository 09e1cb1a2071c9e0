/**
 * The 4-byte MPEG audio frame header (ISO/IEC 11172-3 and 13818-3, plus the unofficial
 * MPEG 2.5): enough to find frames in an MP3 file and to size them. Free-format
 * streams (bitrate index 0) have no size in the header and are not accepted.
 */

export interface MpegAudioFrameHeader {
  /** 1, 2 or 2.5. */
  readonly version: 1 | 2 | 2.5;
  readonly layer: 1 | 2 | 3;
  readonly bitrate: number;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly padding: boolean;
  readonly crc: boolean;
  /** PCM samples (per channel) the frame decodes to. */
  readonly samplesPerFrame: number;
  /** Bytes of the whole frame, header included. */
  readonly frameSize: number;
}

// kbit/s by bitrate index 1..14 (index 0 is free format, 15 is invalid).
const BITRATES: Record<string, readonly number[]> = {
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

const SAMPLE_RATES: Record<string, readonly number[]> = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
};

/** The header at `at`, or null when the 4 bytes there are not a usable frame header. */
export function parseMpegAudioHeader(bytes: Buffer, at = 0): MpegAudioFrameHeader | null {
  if (at < 0 || at + 4 > bytes.length) return null;
  const h = bytes.readUInt32BE(at);
  if (h >>> 21 !== 0x7ff) return null;
  const versionBits = (h >>> 19) & 3;
  const layerBits = (h >>> 17) & 3;
  const bitrateIndex = (h >>> 12) & 0xf;
  const rateIndex = (h >>> 10) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrate = BITRATES[`${version === 1 ? 1 : 2}-${layer}`]![bitrateIndex - 1]! * 1000;
  const sampleRate = SAMPLE_RATES[String(version)]![rateIndex]!;
  const padding = ((h >>> 9) & 1) === 1;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  const frameSize =
    layer === 1
      ? (Math.floor((12 * bitrate) / sampleRate) + (padding ? 1 : 0)) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrate) / sampleRate) + (padding ? 1 : 0);
  return {
    version,
    layer,
    bitrate,
    sampleRate,
    channels: ((h >>> 6) & 3) === 3 ? 1 : 2,
    padding,
    crc: ((h >>> 16) & 1) === 0,
    samplesPerFrame,
    frameSize,
  };
}

/**
 * True when the frame is a Xing/Info or VBRI header frame: an encoder's table of
 * contents dressed as a frame of silence, which players skip and RTP should not carry.
 */
export function isVbrHeaderFrame(frame: Buffer, header: MpegAudioFrameHeader): boolean {
  // Xing/Info sits after the side information: 32/17 bytes (MPEG-1), 17/9 (MPEG-2/2.5).
  const sideInfo = header.version === 1 ? (header.channels === 2 ? 32 : 17) : header.channels === 2 ? 17 : 9;
  const xingAt = 4 + (header.crc ? 2 : 0) + sideInfo;
  const tag = frame.toString('latin1', xingAt, xingAt + 4);
  if (header.layer === 3 && (tag === 'Xing' || tag === 'Info')) return true;
  // Fraunhofer's VBRI: always 32 bytes after the header.
  return frame.toString('latin1', 36, 40) === 'VBRI';
}
