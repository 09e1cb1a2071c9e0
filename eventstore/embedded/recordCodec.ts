import type { EventToAppend, RecordedEvent } from '../eventStore.js';
import { crc32c } from './crc32c.js';

/*
 * On-disk format (all integers little-endian).
 *
 * Segment file `NNNNNNNN.seg` starts with a 16-byte header:
 *   0  'SHEV' magic
 *   4  u16 format version (1)
 *   6  u16 reserved (0)
 *   8  u32 segment number (must match the file name)
 *   12 u32 CRC-32C of bytes 0..12
 * followed by records, back to back:
 *   0  u32 payload length L (1 ..= MAX_PAYLOAD_BYTES)
 *   4  u32 CRC-32C of the payload
 *   8  u32 CRC-32C of bytes 0..8 (so a damaged length is never mistaken for a torn write)
 *   12 payload: UTF-8 JSON array [1, id, stream, revision, position, type, recordedAt, metadata, data]
 *
 * A record's global position is segmentNumber * 2^32 + byte offset of the record in its segment:
 * strictly increasing, not contiguous, and never 0 (the first record sits after the header).
 */

export const SEGMENT_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 12;
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
export const SEGMENT_SPAN = 2 ** 32;

const MAGIC = Buffer.from('SHEV', 'latin1');
const FORMAT_VERSION = 1;
const PAYLOAD_VERSION = 1;

export function segmentFileName(segment: number): string {
  return `${segment.toString().padStart(8, '0')}.seg`;
}

export const SEGMENT_FILE_PATTERN = /^(\d{8})\.seg$/;

export function positionOf(segment: number, offset: number): number {
  return segment * SEGMENT_SPAN + offset;
}

export function segmentOfPosition(position: number): number {
  return Math.floor(position / SEGMENT_SPAN);
}

export function offsetOfPosition(position: number): number {
  return position % SEGMENT_SPAN;
}

export function encodeSegmentHeader(segment: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16LE(FORMAT_VERSION, 4);
  header.writeUInt16LE(0, 6);
  header.writeUInt32LE(segment, 8);
  header.writeUInt32LE(crc32c(header, 0, 12), 12);
  return header;
}

/** Why a segment header is unacceptable, or undefined when it is fine. `header` holds at least 16 bytes. */
export function segmentHeaderProblem(header: Buffer, segment: number): string | undefined {
  if (!header.subarray(0, 4).equals(MAGIC)) return 'not an event store segment (bad magic)';
  if (header.readUInt32LE(12) !== crc32c(header, 0, 12)) return 'segment header checksum mismatch';
  const version = header.readUInt16LE(4);
  if (version !== FORMAT_VERSION) return `unsupported segment format version ${version}`;
  const number = header.readUInt32LE(8);
  if (number !== segment) return `segment header says segment ${number}`;
  return undefined;
}

/** Data and metadata serialized once, before any state changes, so an unserializable event fails cleanly. */
export interface SerializedBody {
  readonly metadataJson: string;
  readonly dataJson: string;
}

export function serializeBody(event: EventToAppend): SerializedBody {
  const metadata = event.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`event ${event.id}: metadata must be a plain object`);
  }
  // JSON.stringify throws on BigInt and cycles; undefined data is stored as null.
  const dataJson = JSON.stringify(event.data) ?? 'null';
  const metadataJson = JSON.stringify(metadata) ?? '{}';
  return { metadataJson, dataJson };
}

/** Encodes a whole record (header and payload) for the given event at its final position. */
export function encodeRecord(
  id: string,
  stream: string,
  revision: number,
  position: number,
  type: string,
  recordedAt: number,
  body: SerializedBody,
): Buffer {
  const json =
    `[${PAYLOAD_VERSION},${JSON.stringify(id)},${JSON.stringify(stream)},${revision},${position},` +
    `${JSON.stringify(type)},${recordedAt},${body.metadataJson},${body.dataJson}]`;
  const payloadLength = Buffer.byteLength(json, 'utf8');
  if (payloadLength > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`event ${id} is ${payloadLength} bytes encoded; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadLength);
  record.write(json, RECORD_HEADER_BYTES, 'utf8');
  record.writeUInt32LE(payloadLength, 0);
  record.writeUInt32LE(crc32c(record, RECORD_HEADER_BYTES, record.length), 4);
  record.writeUInt32LE(crc32c(record, 0, 8), 8);
  return record;
}

export type RecordHeader = { readonly payloadLength: number; readonly payloadCrc: number };

/** Parses the 12-byte record header at `offset`; returns a reason string when it is damaged. */
export function parseRecordHeader(buffer: Buffer, offset: number): RecordHeader | string {
  const payloadLength = buffer.readUInt32LE(offset);
  const payloadCrc = buffer.readUInt32LE(offset + 4);
  const headerCrc = buffer.readUInt32LE(offset + 8);
  if (headerCrc !== crc32c(buffer, offset, offset + 8)) return 'record header checksum mismatch';
  if (payloadLength === 0 || payloadLength > MAX_PAYLOAD_BYTES) return `implausible record length ${payloadLength}`;
  return { payloadLength, payloadCrc };
}

export class RecordDecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RecordDecodeError';
  }
}

/**
 * Checks and decodes the whole record at `offset` (header, payload checksum, payload shape).
 * `length` is the record's total size when known (from the index); throws RecordDecodeError.
 */
export function decodeRecord(buffer: Buffer, offset: number, length?: number, verifyChecksum = true): RecordedEvent {
  if (offset + RECORD_HEADER_BYTES > buffer.length) throw new RecordDecodeError('record header cut short');
  const header = parseRecordHeader(buffer, offset);
  if (typeof header === 'string') throw new RecordDecodeError(header);
  const start = offset + RECORD_HEADER_BYTES;
  const end = start + header.payloadLength;
  if (length !== undefined && end - offset !== length) throw new RecordDecodeError('record length disagrees with the index');
  if (end > buffer.length) throw new RecordDecodeError('record payload cut short');
  if (verifyChecksum && crc32c(buffer, start, end) !== header.payloadCrc) {
    throw new RecordDecodeError('record payload checksum mismatch');
  }
  return decodePayload(buffer, start, end);
}

export function decodePayload(buffer: Buffer, start: number, end: number): RecordedEvent {
  let value: unknown;
  try {
    value = JSON.parse(buffer.toString('utf8', start, end));
  } catch {
    throw new RecordDecodeError('record payload is not valid JSON');
  }
  if (!Array.isArray(value) || value.length !== 9 || value[0] !== PAYLOAD_VERSION) {
    throw new RecordDecodeError('record payload has an unknown shape');
  }
  const [, id, stream, revision, position, type, recordedAt, metadata, data] = value as unknown[];
  if (
    typeof id !== 'string' ||
    typeof stream !== 'string' ||
    typeof type !== 'string' ||
    !Number.isSafeInteger(revision) ||
    !Number.isSafeInteger(position) ||
    typeof recordedAt !== 'number' ||
    typeof metadata !== 'object' ||
    metadata === null
  ) {
    throw new RecordDecodeError('record payload has malformed fields');
  }
  return {
    id,
    stream,
    revision: revision as number,
    position: position as number,
    type,
    data,
    metadata: metadata as Record<string, unknown>,
    recordedAt,
  };
}

/** The fields the index needs, without decoding data and metadata. */
export interface RecordHead {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly type: string;
}

/**
 * Reads id, stream, revision, position and type from the front of a payload written by encodeRecord,
 * without parsing data and metadata: opening a store only needs these, and it is several times
 * faster for anything but tiny events. Falls back to a full decode for anything unexpected.
 */
export function decodeHead(buffer: Buffer, start: number, end: number): RecordHead {
  const cursor = { at: start };
  if (
    buffer[cursor.at++] === 0x5b /* [ */ &&
    readNumber(buffer, cursor, end) === PAYLOAD_VERSION
  ) {
    const id = readString(buffer, cursor, end);
    const stream = readString(buffer, cursor, end);
    const revision = readNumber(buffer, cursor, end);
    const position = readNumber(buffer, cursor, end);
    const type = readString(buffer, cursor, end);
    if (id !== undefined && stream !== undefined && type !== undefined && revision !== undefined && position !== undefined) {
      return { id, stream, revision, position, type };
    }
  }
  return decodePayload(buffer, start, end);
}

/** A non-negative integer followed by a comma. */
function readNumber(buffer: Buffer, cursor: { at: number }, end: number): number | undefined {
  let value = 0;
  let digits = 0;
  while (cursor.at < end) {
    const c = buffer[cursor.at++]!;
    if (c === 0x2c /* , */) return digits > 0 && Number.isSafeInteger(value) ? value : undefined;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
    digits++;
  }
  return undefined;
}

/** A JSON string followed by a comma. */
function readString(buffer: Buffer, cursor: { at: number }, end: number): string | undefined {
  if (buffer[cursor.at] !== 0x22 /* " */) return undefined;
  const open = cursor.at;
  let escaped = false;
  let i = open + 1;
  for (; i < end; i++) {
    const c = buffer[i]!;
    if (c === 0x5c /* \ */) {
      escaped = true;
      i++;
    } else if (c === 0x22) break;
  }
  if (i >= end || buffer[i + 1] !== 0x2c) return undefined;
  cursor.at = i + 2;
  if (!escaped) return buffer.toString('utf8', open + 1, i);
  try {
    const value: unknown = JSON.parse(buffer.toString('utf8', open, i + 1));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
