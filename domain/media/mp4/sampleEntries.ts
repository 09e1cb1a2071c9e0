/**
 * stsd sample entries. The layout of an entry's fixed fields depends on the media
 * (visual, audio, RTP hint), so the track kind picks the reader; what follows the
 * fixed fields is a list of child boxes kept raw in `extensions`.
 */
import { MovieFormatError, type SampleDescription, type TrackKind } from '../movie.js';
import { childBodies, children, findChild, type Box } from './box.js';
import { BoxReader } from './boxReader.js';
import { parseEsds } from './esds.js';

/** Core Audio's LinearPCM format flags, as QuickTime sound description v2 stores them. */
const PCM_BIG_ENDIAN = 2;
const PCM_SIGNED_INTEGER = 4;

/** descriptionIndexes are a Uint16Array, as in stsc's practical range. */
const MAX_DESCRIPTIONS = 0xffff;
/** SampleEntry: 6 reserved bytes + data_reference_index. */
const SAMPLE_ENTRY_HEADER = 8;
/** VisualSampleEntry fixed fields end 78 bytes into the entry body. */
const VISUAL_ENTRY_SIZE = 78;
/** AudioSampleEntry (and QuickTime sound description v0) fixed fields. */
const AUDIO_ENTRY_SIZE = 28;
/** RtpHintSampleEntry: hinttrackversion, highestcompatibleversion, maxpacketsize. */
const RTP_ENTRY_SIZE = 16;
/** 3GPP TextSampleEntry (tx3g) fixed fields. */
const TX3G_ENTRY_SIZE = 38;

export function parseStsd(stsd: Box, kind: TrackKind): SampleDescription[] {
  const r = new BoxReader(stsd);
  const { version } = r.fullBox();
  const count = r.u32();
  if (count > MAX_DESCRIPTIONS) r.fail(`entry count ${count} is more than ${MAX_DESCRIPTIONS}`);
  const out: SampleDescription[] = [];
  for (const entry of children(stsd, r.pos)) {
    if (out.length === count) break; // trailing boxes after the declared entries are ignored
    out.push(parseEntry(entry, kind, version));
  }
  if (out.length < count) r.fail(`declares ${count} entries but holds ${out.length}`);
  return out;
}

function parseEntry(entry: Box, kind: TrackKind, stsdVersion: number): SampleDescription {
  const description = parseEntryFields(entry, kind, stsdVersion);
  const raw = entry.buf.subarray(entry.start, entry.end);
  // Every layout starts with SampleEntry's 6 reserved bytes and the data_reference_index.
  if (entry.end - entry.bodyStart < SAMPLE_ENTRY_HEADER) return { ...description, raw };
  return { ...description, dataReferenceIndex: entry.buf.readUInt16BE(entry.bodyStart + 6), raw };
}

function parseEntryFields(entry: Box, kind: TrackKind, stsdVersion: number): SampleDescription {
  const format = entry.type;
  if (format === 'rtp ' || format === 'srtp') return parseRtpEntry(entry);
  if (kind === 'video') return parseVisualEntry(entry);
  if (kind === 'audio') return parseAudioEntry(entry, stsdVersion);
  if (format === 'tx3g') return { format, extensions: extensionsAfter(entry, TX3G_ENTRY_SIZE) };
  if (format === 'mp4s' || format === 'mp4v' || format === 'mp4a') {
    return { format, extensions: extensionsAfter(entry, SAMPLE_ENTRY_HEADER) };
  }
  // Unknown layout: where its child boxes start is unknown, so none are reported.
  return { format, extensions: new Map() };
}

function parseVisualEntry(entry: Box): SampleDescription {
  const r = new BoxReader(entry);
  r.need(VISUAL_ENTRY_SIZE, 'VisualSampleEntry');
  r.skip(SAMPLE_ENTRY_HEADER + 16); // pre_defined, reserved, pre_defined[3]
  const width = r.u16();
  const height = r.u16();
  const extensions = extensionsAfter(entry, VISUAL_ENTRY_SIZE);
  const avcConfig = extensions.get('avcC');
  return avcConfig === undefined
    ? { format: entry.type, width, height, extensions }
    : { format: entry.type, width, height, avcConfig, extensions };
}

/**
 * Audio entries, ISO and QuickTime. QuickTime sound descriptions version 1 add 16 bytes
 * (samples/bytes per packet/frame) and version 2 replaces the rate and channels with a
 * float64 rate and a 32-bit count (36 more bytes). ISO's own AudioSampleEntryV1 (signalled
 * by stsd version 1) adds nothing before its children.
 */
function parseAudioEntry(entry: Box, stsdVersion: number): SampleDescription {
  const r = new BoxReader(entry);
  r.need(AUDIO_ENTRY_SIZE, 'AudioSampleEntry');
  r.skip(SAMPLE_ENTRY_HEADER);
  const version = r.u16();
  r.skip(6); // revision, vendor
  let channelCount = r.u16();
  let sampleSize = r.u16();
  r.skip(4); // compression id, packet size
  let sampleRate = r.u32() / 65536;
  let pcmFormatFlags: number | undefined;
  if (stsdVersion === 0 && version === 1) {
    r.skip(12); // samples per packet, bytes per packet, bytes per frame
    // The v0 field says 16 for most formats; bytes per sample is the real width.
    const bytesPerSample = r.u32();
    if (bytesPerSample > 0 && bytesPerSample <= 8) sampleSize = bytesPerSample * 8;
  } else if (stsdVersion === 0 && version === 2) {
    r.skip(4); // sizeOfStructOnly
    sampleRate = r.f64();
    channelCount = r.u32();
    r.skip(4); // always 0x7F000000
    sampleSize = r.u32();
    pcmFormatFlags = r.u32();
    r.skip(8); // bytes per packet, frames per packet
  }
  if (!Number.isFinite(sampleRate) || sampleRate < 0) r.fail(`sample rate ${sampleRate} is not usable`);
  const extensions = extensionsAfter(entry, r.pos - entry.bodyStart);
  // ISO: rates above 65535 Hz are carried in an 'srat' box.
  const srat = extensions.get('srat');
  if (srat !== undefined && srat.length >= 8) sampleRate = srat.readUInt32BE(4);

  // ISO 23003-5 'ipcm': pcmC holds the endianness (bit 0 of format_flags: little) and width.
  const pcmC = extensions.get('pcmC');
  if (entry.type === 'ipcm' && pcmC !== undefined && pcmC.length >= 6) {
    pcmFormatFlags = PCM_SIGNED_INTEGER | ((pcmC[4]! & 1) === 0 ? PCM_BIG_ENDIAN : 0);
    sampleSize = pcmC[5]!;
  }

  const base = {
    format: entry.type,
    channelCount,
    sampleRate,
    sampleSize,
    extensions,
    ...(pcmFormatFlags === undefined ? {} : { pcmFormatFlags }),
  };
  const esdsBox = findEsds(entry, r.pos);
  if (esdsBox === undefined) return base;
  const es = parseEsds(esdsBox);
  return {
    ...base,
    ...(es.objectTypeIndication === undefined ? {} : { objectTypeIndication: es.objectTypeIndication }),
    ...(es.decoderSpecificInfo === undefined ? {} : { audioSpecificConfig: es.decoderSpecificInfo }),
  };
}

/** esds sits directly in the entry (MP4) or inside a 'wave' box (QuickTime). */
function findEsds(entry: Box, childrenStart: number): Box | undefined {
  for (const child of children(entry, childrenStart)) {
    if (child.type === 'esds') return child;
    if (child.type === 'wave') {
      const inWave = findChild(child, 'esds');
      if (inWave !== undefined) return inWave;
    }
  }
  return undefined;
}

function parseRtpEntry(entry: Box): SampleDescription {
  const r = new BoxReader(entry);
  r.need(RTP_ENTRY_SIZE, 'RtpHintSampleEntry');
  r.skip(SAMPLE_ENTRY_HEADER + 4);
  const maxPacketSize = r.u32();
  return { format: entry.type, maxPacketSize, extensions: extensionsAfter(entry, RTP_ENTRY_SIZE) };
}

function extensionsAfter(entry: Box, fixedSize: number): Map<string, Buffer> {
  if (entry.end - entry.bodyStart < fixedSize) {
    throw new MovieFormatError(`${entry.path}: ${entry.end - entry.bodyStart} bytes, shorter than its ${fixedSize}-byte fields`, entry.path);
  }
  return childBodies(entry, entry.bodyStart + fixedSize);
}
