/** Picks the RTP packetizer for a track from its first sample description. */
import { channelCountOf, parseAudioSpecificConfig } from './aac/audioSpecificConfig.js';
import { AacPacketizer } from './aac/aacPacketizer.js';
import { parseAvcConfig } from './h264/avcConfig.js';
import { H264Packetizer } from './h264/h264Packetizer.js';
import { parseHevcConfig } from './h265/hevcConfig.js';
import { H265Packetizer } from './h265/h265Packetizer.js';
import { JpegPacketizer } from './jpeg/jpegPacketizer.js';
import { MovieFormatError, type MovieTrack, type SampleDescription } from './movie.js';
import { parseEsds } from './mp4/esds.js';
import { Mp4vPacketizer } from './mpeg4Visual/mp4vPacketizer.js';
import { MpaPacketizer } from './mpegAudio/mpaPacketizer.js';
import { OpusPacketizer, opusChannelsOf } from './opus/opusPacketizer.js';
import type { Packetizer } from './packetizer.js';
import { G711Packetizer } from './pcm/g711Packetizer.js';
import { LinearPcmPacketizer } from './pcm/linearPcmPacketizer.js';
import { pcmLayoutOf } from './pcm/pcmFormat.js';

/** MPEG-4 audio and the three MPEG-2 AAC profiles (Main, LC, SSR) in esds. */
const AAC_OBJECT_TYPES = new Set([0x40, 0x66, 0x67, 0x68]);
/** MPEG-2 (0x69) and MPEG-1 (0x6B) audio in esds: layers I-III, sent as RFC 2250 MPA. */
const MPEG_AUDIO_OBJECT_TYPES = new Set([0x69, 0x6b]);
/** MPEG-4 Visual in esds. */
const MPEG4_VISUAL_OBJECT_TYPE = 0x20;
const MP4V_NAMES: Record<number, string> = {
  0x60: 'MPEG-2 video',
  0x61: 'MPEG-2 video',
  0x62: 'MPEG-2 video',
  0x63: 'MPEG-2 video',
  0x64: 'MPEG-2 video',
  0x65: 'MPEG-2 video',
  0x6a: 'MPEG-1 video',
  0x6c: 'JPEG',
};

/** Readable names for the formats people are likely to try, for the "unsupported" reason. */
const CODEC_NAMES: Record<string, string> = {
  hvc1: 'H.265',
  hev1: 'H.265',
  av01: 'AV1',
  vp08: 'VP8',
  vp09: 'VP9',
  mp4v: 'MPEG-4 Visual',
  s263: 'H.263',
  h263: 'H.263',
  jpeg: 'Motion JPEG',
  mjpa: 'Motion JPEG',
  mjpb: 'Motion JPEG B',
  avc2: 'H.264 (avc2)',
  avc4: 'H.264 (avc4)',
  'ac-3': 'AC-3',
  'ec-3': 'E-AC-3',
  Opus: 'Opus',
  fLaC: 'FLAC',
  alac: 'Apple Lossless',
  '.mp3': 'MP3',
  'mp3 ': 'MP3',
  samr: 'AMR-NB',
  sawb: 'AMR-WB',
  ulaw: 'G.711 µ-law',
  alaw: 'G.711 A-law',
  twos: 'PCM',
  sowt: 'PCM',
  lpcm: 'PCM',
  ipcm: 'PCM',
  'raw ': 'PCM',
  tx3g: '3GPP timed text',
  text: 'QuickTime text',
  'rtp ': 'RTP hint track',
  srtp: 'SRTP hint track',
};

const MP4A_NAMES: Record<number, string> = {
  0x69: 'MP3 (MPEG-2 audio)',
  0x6b: 'MP3',
  0xa5: 'AC-3',
  0xa6: 'E-AC-3',
  0xa9: 'DTS',
  0xad: 'Opus',
};

export function createPacketizer(track: MovieTrack, payloadType: number): Packetizer | { unsupported: string } {
  const description = track.descriptions[0];
  if (description === undefined) return { unsupported: 'the track has no sample description' };
  try {
    switch (description.format) {
      case 'avc1':
      case 'avc3':
        return h264(description, payloadType);
      case 'hvc1':
      case 'hev1':
        return h265(description, payloadType);
      case 'mp4v':
        return mpeg4Visual(description, payloadType);
      case 'jpeg':
      case 'mjpa':
        return new JpegPacketizer(dimensions(description));
      case 'mp4a':
        return aac(description, payloadType);
      case 'Opus':
        return opus(description, payloadType);
      case '.mp3':
      case 'mp3 ':
        return new MpaPacketizer();
      case 'ulaw':
      case 'alaw':
      case 'twos':
      case 'sowt':
      case 'raw ':
      case 'lpcm':
      case 'ipcm':
        return pcm(description, payloadType);
      default: {
        const name = CODEC_NAMES[description.format];
        return unsupported(description.format, name);
      }
    }
  } catch (err) {
    // A codec config that does not parse makes the track unplayable, not the server sick.
    if (err instanceof MovieFormatError) return { unsupported: `${description.format}: ${err.message}` };
    throw err;
  }
}

function h264(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  if (description.avcConfig === undefined) return { unsupported: `codec '${description.format}' (H.264) has no avcC box` };
  const config = parseAvcConfig(description.avcConfig);
  return new H264Packetizer({
    payloadType,
    config,
    ...(description.width === undefined ? {} : { width: description.width }),
    ...(description.height === undefined ? {} : { height: description.height }),
  });
}

function aac(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  const oti = description.objectTypeIndication;
  if (oti === undefined) return { unsupported: "codec 'mp4a' without an esds descriptor" };
  if (MPEG_AUDIO_OBJECT_TYPES.has(oti)) return new MpaPacketizer();
  if (!AAC_OBJECT_TYPES.has(oti)) {
    const hex = `0x${oti.toString(16).padStart(2, '0')}`;
    return unsupported('mp4a', `${MP4A_NAMES[oti] ?? 'object type'} ${hex}`);
  }
  const raw = description.audioSpecificConfig;
  if (raw === undefined) return { unsupported: "codec 'mp4a' (AAC) has no AudioSpecificConfig" };
  const config = parseAudioSpecificConfig(raw);
  const channels = channelCountOf(config.channelConfiguration) || description.channelCount || 1;
  return new AacPacketizer({ payloadType, config: raw, sampleRate: config.samplingFrequency, channels });
}

function dimensions(description: SampleDescription): { width?: number; height?: number } {
  return {
    ...(description.width === undefined ? {} : { width: description.width }),
    ...(description.height === undefined ? {} : { height: description.height }),
  };
}

function h265(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  const hvcC = description.extensions.get('hvcC');
  if (hvcC === undefined) return { unsupported: `codec '${description.format}' (H.265) has no hvcC box` };
  return new H265Packetizer({ payloadType, config: parseHevcConfig(hvcC), ...dimensions(description) });
}

/** MP4V-ES: the configuration is the esds DecoderSpecificInfo of the visual sample entry. */
function mpeg4Visual(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  const body = description.extensions.get('esds');
  if (body === undefined) return { unsupported: "codec 'mp4v' without an esds descriptor" };
  const es = parseEsds({ type: 'esds', path: 'mp4v/esds', depth: 0, buf: body, start: 0, bodyStart: 0, end: body.length });
  const oti = es.objectTypeIndication;
  if (oti !== undefined && oti !== MPEG4_VISUAL_OBJECT_TYPE) {
    return unsupported('mp4v', `${MP4V_NAMES[oti] ?? 'object type'} 0x${oti.toString(16).padStart(2, '0')}`);
  }
  return new Mp4vPacketizer({ payloadType, config: es.decoderSpecificInfo ?? null, ...dimensions(description) });
}

function opus(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  const channels = opusChannelsOf(description.extensions.get('dOps')) ?? description.channelCount ?? 2;
  if (channels > 2) return unsupported('Opus', `Opus with ${channels} channels`);
  return new OpusPacketizer({ payloadType, channels });
}

function pcm(description: SampleDescription, payloadType: number): Packetizer | { unsupported: string } {
  const layout = pcmLayoutOf(description);
  if ('unsupported' in layout) return unsupported(description.format, layout.unsupported);
  if (layout.encoding === 'linear') return new LinearPcmPacketizer({ payloadType, layout });
  return new G711Packetizer({
    law: layout.encoding,
    sampleRate: layout.sampleRate,
    channels: layout.channels,
    dynamicPayloadType: payloadType,
  });
}

function unsupported(format: string, name: string | undefined): { unsupported: string } {
  return { unsupported: `codec '${format}'${name === undefined ? '' : ` (${name})`} has no packetizer yet` };
}
