/**
 * RTP hint samples ('rtp ' sample entries; QuickTime File Format "packetization hint
 * sample data", ISO/IEC 14496-12 RTPsample). A hint sample is a list of packets; each
 * packet is an RTP header template plus 16-byte constructors that say where the payload
 * bytes come from: the constructor itself (immediate), a media sample, or a sample
 * description. Sample bytes are never copied: immediate data is a view into the hint
 * sample, and media bytes are fetched by the caller (see hintPayload.ts).
 *
 *   u16 packet count, u16 reserved, then per packet:
 *     i32 relative transmission time (hint track timescale)
 *     u8  V(2, unused) P X CC(4, unused)     u8 M PT(7)     u16 sequence number
 *     u16 flags: 0x4 extra-information TLVs follow, 0x2 B-frame, 0x1 repeat
 *     u16 constructor count
 *     [u32 TLV table size incl. itself, then TLVs: u32 size, fourcc type, data]   (flag 0x4)
 *     16 bytes per constructor
 *
 * Which track a sample constructor reads: -1 (0xFF) is the hint track itself. For other
 * values QuickTime and ISO disagree: QuickTime says 0 means "the only referenced track"
 * and 1..127 are 1-based positions in the tref 'hint' list; ISO 14496-12 says 0-based
 * positions. Both hinters met in practice (Apple's, ffmpeg's) reference one track and
 * write 0, which both rules read as the first entry. Values from 1 up follow QuickTime
 * unless the caller asks for ISO (the file's brand decides; see HintParseContext).
 */
import { MovieFormatError, type Movie, type MovieTrack } from '../movie.js';
import { chunkFirstSample } from '../mp4/sampleChunks.js';

export type HintConstructor =
  /** Bytes carried in the constructor (at most 14): a view into the hint sample. */
  | { readonly kind: 'immediate'; readonly data: Buffer }
  /**
   * `length` bytes at `offset` from the start of sample `sampleIndex` (0-based) of track
   * `trackId`. Compressed-block addressing (QuickTime sound) is already folded in:
   * `offset` may then reach past the sample's own size into the rest of its chunk.
   */
  | {
      readonly kind: 'sample';
      readonly trackId: number;
      readonly sampleIndex: number;
      readonly offset: number;
      readonly length: number;
    }
  /** `length` bytes at `offset` into sample entry `descriptionIndex` (0-based, header included). */
  | {
      readonly kind: 'sampleDescription';
      readonly trackId: number;
      readonly descriptionIndex: number;
      readonly offset: number;
      readonly length: number;
    };

export interface HintPacket {
  /** When to send, relative to the hint sample's decode time, in the hint track's timescale. */
  readonly relativeTransmissionTime: number;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  /** The sequence number the hinter wrote (add the track's sequence offset when sending). */
  readonly sequenceNumber: number;
  /**
   * This packet's sequence number minus the first packet's of the same hint sample,
   * modulo 2^16: repeats of a packet share its number.
   */
  readonly sequenceNumberDelta: number;
  /** 'rtpo' TLV: added to the RTP timestamp derived from the hint sample time (0 without). */
  readonly timestampOffset: number;
  /** B-frame data: a server may drop it to thin the stream. */
  readonly bFrame: boolean;
  /** A repeat of an earlier packet (same sequence number): may be skipped when behind. */
  readonly repeat: boolean;
  readonly constructors: readonly HintConstructor[];
}

export interface HintParseContext {
  /** The movie, to fold QuickTime compressed-block addressing into byte offsets. */
  readonly movie?: Movie;
  /** The 0-based index of this hint sample: self-references to it become views. */
  readonly sampleIndex?: number;
  /** How track reference indexes from 1 up are read (default 'quicktime'). */
  readonly trackReferenceRule?: 'quicktime' | 'iso';
}

const PACKET_HEADER_SIZE = 12;
const CONSTRUCTOR_SIZE = 16;
const FLAG_EXTRA = 0x4;
const FLAG_B_FRAME = 0x2;
const FLAG_REPEAT = 0x1;
const IMMEDIATE_MAX = 14;

/** Parses one hint sample. Throws MovieFormatError when it runs past its end or uses an unknown constructor. */
export function parseHintSample(bytes: Buffer, hintTrack: MovieTrack, context: HintParseContext = {}): HintPacket[] {
  const where = `hint track ${hintTrack.id}${context.sampleIndex === undefined ? '' : ` sample ${context.sampleIndex + 1}`}`;
  const fail = (message: string): never => {
    throw new MovieFormatError(`${where}: ${message}`, 'rtp ');
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes, too short for a packet count`);
  const count = bytes.readUInt16BE(0);
  // Each packet needs at least its header: a corrupt count cannot make us allocate.
  if (count * PACKET_HEADER_SIZE > bytes.length - 4) fail(`${count} packets cannot fit ${bytes.length} bytes`);
  const packets: HintPacket[] = [];
  let pos = 4;
  let firstSequence = -1;
  for (let p = 0; p < count; p++) {
    if (pos + PACKET_HEADER_SIZE > bytes.length) fail(`packet ${p + 1} header runs past the end`);
    const relativeTransmissionTime = bytes.readInt32BE(pos);
    const b0 = bytes[pos + 4]!;
    const b1 = bytes[pos + 5]!;
    const sequenceNumber = bytes.readUInt16BE(pos + 6);
    const flags = bytes.readUInt16BE(pos + 8);
    const entries = bytes.readUInt16BE(pos + 10);
    pos += PACKET_HEADER_SIZE;

    let timestampOffset = 0;
    if (flags & FLAG_EXTRA) {
      if (pos + 4 > bytes.length) fail(`packet ${p + 1} extra information runs past the end`);
      const tableSize = bytes.readUInt32BE(pos);
      const tableEnd = pos + tableSize;
      if (tableSize < 4 || tableEnd > bytes.length) fail(`packet ${p + 1} extra information size ${tableSize} is wrong`);
      for (let tlv = pos + 4; tlv + 8 <= tableEnd; ) {
        const size = bytes.readUInt32BE(tlv);
        const type = bytes.toString('latin1', tlv + 4, tlv + 8);
        if (size < 8 || tlv + size > tableEnd) fail(`packet ${p + 1} TLV '${type}' size ${size} is wrong`);
        if (type === 'rtpo' && size >= 12) timestampOffset = bytes.readInt32BE(tlv + 8);
        // The data is padded to 4 bytes; whether the size counts the padding, both step right.
        tlv += (size + 3) & ~3;
      }
      pos = tableEnd;
    }

    if (pos + entries * CONSTRUCTOR_SIZE > bytes.length) fail(`packet ${p + 1}: ${entries} constructors run past the end`);
    const constructors: HintConstructor[] = [];
    for (let e = 0; e < entries; e++, pos += CONSTRUCTOR_SIZE) {
      const c = readConstructor(bytes, pos, hintTrack, context, (m) => fail(`packet ${p + 1} constructor ${e + 1}: ${m}`));
      if (c !== null) constructors.push(c);
    }

    if (firstSequence < 0) firstSequence = sequenceNumber;
    packets.push({
      relativeTransmissionTime,
      padding: (b0 & 0x20) !== 0,
      extension: (b0 & 0x10) !== 0,
      marker: (b1 & 0x80) !== 0,
      payloadType: b1 & 0x7f,
      sequenceNumber,
      sequenceNumberDelta: (sequenceNumber - firstSequence) & 0xffff,
      timestampOffset,
      bFrame: (flags & FLAG_B_FRAME) !== 0,
      repeat: (flags & FLAG_REPEAT) !== 0,
      constructors,
    });
  }
  return packets;
}

function readConstructor(
  bytes: Buffer,
  at: number,
  hintTrack: MovieTrack,
  context: HintParseContext,
  fail: (message: string) => never,
): HintConstructor | null {
  const source = bytes[at]!;
  switch (source) {
    case 0:
      return null; // no-op
    case 1: {
      const length = bytes[at + 1]!;
      if (length > IMMEDIATE_MAX) fail(`immediate length ${length} is more than ${IMMEDIATE_MAX}`);
      return { kind: 'immediate', data: bytes.subarray(at + 2, at + 2 + length) };
    }
    case 2: {
      const trackId = referencedTrack(bytes.readInt8(at + 1), hintTrack, context, fail);
      const length = bytes.readUInt16BE(at + 2);
      const sampleNumber = bytes.readUInt32BE(at + 4);
      const offset = bytes.readUInt32BE(at + 8);
      const bytesPerBlock = bytes.readUInt16BE(at + 12);
      const samplesPerBlock = bytes.readUInt16BE(at + 14);
      if (sampleNumber === 0) fail('sample number 0 (numbers start at 1)');
      const sampleIndex = sampleNumber - 1;
      if (trackId === hintTrack.id && sampleIndex === context.sampleIndex) {
        if (offset + length > bytes.length) fail(`${length} bytes at ${offset} run past this ${bytes.length}-byte hint sample`);
        return { kind: 'immediate', data: bytes.subarray(offset, offset + length) };
      }
      if (bytesPerBlock > 1 || samplesPerBlock > 1) {
        return compressedBlock(trackId, sampleIndex, offset, length, bytesPerBlock, samplesPerBlock, context, fail);
      }
      return { kind: 'sample', trackId, sampleIndex, offset, length };
    }
    case 3: {
      const trackId = referencedTrack(bytes.readInt8(at + 1), hintTrack, context, fail);
      const length = bytes.readUInt16BE(at + 2);
      const descriptionNumber = bytes.readUInt32BE(at + 4);
      const offset = bytes.readUInt32BE(at + 8);
      if (descriptionNumber === 0) fail('sample description 0 (numbers start at 1)');
      return { kind: 'sampleDescription', trackId, descriptionIndex: descriptionNumber - 1, offset, length };
    }
    default:
      return fail(`data source ${source} is not defined`);
  }
}

/** The track id a constructor's track reference index designates. */
function referencedTrack(index: number, hintTrack: MovieTrack, context: HintParseContext, fail: (m: string) => never): number {
  if (index === -1) return hintTrack.id;
  const refs = hintTrack.references.get('hint') ?? [];
  if (index < 0) return fail(`track reference index ${index} is not defined`);
  let position: number;
  if (index === 0) position = refs.findIndex((id) => id !== 0);
  else position = context.trackReferenceRule === 'iso' ? index : index - 1;
  const id = refs[position];
  if (id === undefined || id === 0) return fail(`track reference index ${index} has no track in tref 'hint' [${refs.join(', ')}]`);
  return id;
}

/**
 * QuickTime sound hinted with compressed blocks: sample numbers count sound frames, and
 * the data of frame N is at chunk start + (N - chunk's first frame) * bytes / samples per
 * block. Expressed from the chunk's first sample, so the caller reads as usual.
 */
function compressedBlock(
  trackId: number,
  sampleIndex: number,
  offset: number,
  length: number,
  bytesPerBlock: number,
  samplesPerBlock: number,
  context: HintParseContext,
  fail: (m: string) => never,
): HintConstructor {
  const track = context.movie?.tracks.find((t) => t.id === trackId);
  if (track === undefined) return fail(`compressed-block data of track ${trackId} needs the movie to locate it`);
  const firstOfChunk = chunkFirstSample(track.samples, sampleIndex);
  const bytes = Math.max(bytesPerBlock, 1);
  const samples = Math.max(samplesPerBlock, 1);
  const intoChunk = Math.floor(((sampleIndex - firstOfChunk) * bytes) / samples);
  return { kind: 'sample', trackId, sampleIndex: firstOfChunk, offset: intoChunk + offset, length };
}
