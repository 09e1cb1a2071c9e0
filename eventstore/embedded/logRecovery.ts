import { open, readdir, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';
import { CorruptStoreError } from './errors.js';
import {
  RECORD_HEADER_BYTES,
  RecordDecodeError,
  SEGMENT_FILE_PATTERN,
  SEGMENT_HEADER_BYTES,
  decodeHead,
  encodeSegmentHeader,
  parseRecordHeader,
  positionOf,
  segmentFileName,
  segmentHeaderProblem,
  type RecordHead,
} from './recordCodec.js';
import { syncDirectory, writeFully } from './segmentLog.js';

/*
 * Opening a store: scan every segment, check every record, rebuild the index, and decide what to do
 * with a log that does not end cleanly.
 *
 * THE RULE. Appends are acknowledged only after their bytes are synced, and a new segment is started
 * only after the previous one is synced. So the one kind of damage a crash (process kill, power loss
 * during an unsynced write) can leave is an INCOMPLETE FINAL RECORD: at the very end of the LAST
 * segment, fewer bytes than a record header, or a record whose (checksummed) header announces more
 * bytes than the file holds; or a last segment file shorter than its 16-byte header. That record was
 * never acknowledged, so it is truncated away silently on open, like the tail of any write-ahead log,
 * and reported in `tornTail`.
 *
 * Anything else is damage no crash explains, and the store refuses to open (CorruptStoreError naming
 * the file and byte offset) unless opened with { repair: true }: a checksum mismatch (header or
 * payload) anywhere, including in the last record; an undecodable or inconsistent record; an
 * incomplete record at the end of a segment that is not the last; a bad segment header; a missing
 * segment. A repair keeps every record before the first damaged one and drops everything from there
 * on, including intact records after it (their positions and revisions could not be trusted to
 * follow on). Dropped bytes are not deleted: the cut-off tail is copied to `<segment>.dropped-at-<offset>-<time>`
 * and whole later segments are renamed `<segment>.dropped-<time>`, for forensics. The report says what
 * was dropped.
 *
 * (Consequence worth knowing: if the storage loses an unsynced tail by filling it with zeros rather
 * than cutting the file short, the header checksum fails and the store asks for a repair; nothing
 * acknowledged is at risk either way.)
 */

export interface TornTailReport {
  readonly file: string;
  readonly offset: number;
  readonly bytesDropped: number;
  readonly reason: string;
}

export interface RepairReport {
  /** Segment file holding the first damaged record (or the missing segment). */
  readonly file: string;
  /** Byte offset in that file where the log was cut. */
  readonly offset: number;
  readonly reason: string;
  /** Bytes removed from the log, this file's tail and any later segments together. */
  readonly bytesDropped: number;
  /** Intact records found after the damage and dropped with it. */
  readonly intactRecordsDropped: number;
  /** Whole segment files taken out of the log. */
  readonly droppedSegments: readonly string[];
  /** Where the dropped bytes were kept. */
  readonly savedAs: readonly string[];
}

export interface RecoveredLog {
  readonly lastSegment: number;
  /** Size of the last segment: where the next record goes. */
  readonly lastSegmentSize: number;
  /** Bytes in all segments. */
  readonly bytes: number;
  readonly tornTail: TornTailReport | undefined;
  readonly repair: RepairReport | undefined;
}

/** Called for each intact record in log order; returns a reason to reject it (which counts as damage). */
export type RecordVisitor = (record: RecordHead, position: number, length: number) => string | undefined;

interface SegmentFile {
  readonly number: number;
  readonly name: string;
  readonly path: string;
  readonly size: number;
}

interface Problem {
  readonly offset: number;
  readonly reason: string;
  /** A record cut short by the end of the file (torn write), as opposed to bad bytes. */
  readonly incomplete: boolean;
}

interface Damage extends Problem {
  /** Index into the files list, or where the missing segment would be. */
  readonly index: number;
  readonly missing: boolean;
}

const READ_CHUNK = 256 * 1024;

export async function recoverLog(directory: string, visit: RecordVisitor, repair: boolean): Promise<RecoveredLog> {
  const files = await listSegments(directory);
  if (files.length === 0) {
    await createEmptySegment(directory, 0);
    return { lastSegment: 0, lastSegmentSize: SEGMENT_HEADER_BYTES, bytes: SEGMENT_HEADER_BYTES, tornTail: undefined, repair: undefined };
  }

  let damage: Damage | undefined;
  let torn: Problem | undefined;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    if (file.number !== i) {
      damage = { index: i, offset: 0, reason: `segment file is missing (found ${file.name} instead)`, incomplete: false, missing: true };
      break;
    }
    const problem = await scanSegment(file, visit);
    if (problem === undefined) continue;
    if (problem.incomplete && i === files.length - 1) torn = problem;
    else damage = { ...problem, index: i, missing: false };
    break;
  }

  if (damage !== undefined) {
    const missingName = segmentFileName(damage.index);
    const damagedPath = damage.missing ? join(directory, missingName) : files[damage.index]!.path;
    const { bytesAfter, intactAfter } = await assessDamage(files, damage);
    if (!repair) {
      throw new CorruptStoreError(directory, damagedPath, damage.offset, damage.reason, bytesAfter, intactAfter);
    }
    const report = await cutLog(directory, files, damage, damagedPath, bytesAfter, intactAfter);
    const kept = damage.missing || damage.offset < SEGMENT_HEADER_BYTES ? damage.index - 1 : damage.index;
    if (kept < 0) {
      await createEmptySegment(directory, 0);
      return { lastSegment: 0, lastSegmentSize: SEGMENT_HEADER_BYTES, bytes: SEGMENT_HEADER_BYTES, tornTail: undefined, repair: report };
    }
    const keptFiles = files.slice(0, kept + 1);
    const lastSize = kept === damage.index ? damage.offset : keptFiles[kept]!.size;
    return {
      lastSegment: kept,
      lastSegmentSize: lastSize,
      bytes: sum(keptFiles.slice(0, -1).map((f) => f.size)) + lastSize,
      tornTail: undefined,
      repair: report,
    };
  }

  const last = files[files.length - 1]!;
  let lastSize = last.size;
  let tornTail: TornTailReport | undefined;
  if (torn !== undefined) {
    lastSize = await truncateTornTail(last, torn.offset);
    tornTail = { file: last.path, offset: torn.offset, bytesDropped: last.size - torn.offset, reason: torn.reason };
  }
  return {
    lastSegment: last.number,
    lastSegmentSize: lastSize,
    bytes: sum(files.slice(0, -1).map((f) => f.size)) + lastSize,
    tornTail,
    repair: undefined,
  };
}

async function listSegments(directory: string): Promise<SegmentFile[]> {
  const files: SegmentFile[] = [];
  for (const name of await readdir(directory)) {
    const match = SEGMENT_FILE_PATTERN.exec(name);
    if (match === null) continue;
    const path = join(directory, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    files.push({ number: Number(match[1]), name, path, size: info.size });
  }
  return files.sort((a, b) => a.number - b.number);
}

/** Checks one segment record by record, feeding intact ones to `visit`; returns the first problem. */
async function scanSegment(file: SegmentFile, visit: RecordVisitor): Promise<Problem | undefined> {
  const size = file.size;
  if (size < SEGMENT_HEADER_BYTES) {
    return { offset: 0, reason: `segment header cut short (${size} of ${SEGMENT_HEADER_BYTES} bytes)`, incomplete: true };
  }
  const handle = await open(file.path, 'r');
  try {
    const reader = new ChunkReader(handle, size);
    const head = await reader.fill(0, SEGMENT_HEADER_BYTES);
    const headerProblem = segmentHeaderProblem(head.buffer.subarray(head.at, head.at + SEGMENT_HEADER_BYTES), file.number);
    if (headerProblem !== undefined) return { offset: 0, reason: headerProblem, incomplete: false };

    let offset = SEGMENT_HEADER_BYTES;
    while (offset < size) {
      const remaining = size - offset;
      if (remaining < RECORD_HEADER_BYTES) {
        return { offset, reason: `record header cut short (${remaining} of ${RECORD_HEADER_BYTES} bytes before the end of the file)`, incomplete: true };
      }
      // Synchronous while the window holds the bytes: no promise per record.
      let view = reader.view(offset, RECORD_HEADER_BYTES) ?? (await reader.fill(offset, RECORD_HEADER_BYTES));
      const header = parseRecordHeader(view.buffer, view.at);
      if (typeof header === 'string') return { offset, reason: header, incomplete: false };
      const length = RECORD_HEADER_BYTES + header.payloadLength;
      if (length > remaining) {
        return { offset, reason: `record of ${length} bytes extends past the end of the file (${remaining} bytes left)`, incomplete: true };
      }
      view = reader.view(offset, length) ?? (await reader.fill(offset, length));
      const start = view.at + RECORD_HEADER_BYTES;
      const end = start + header.payloadLength;
      if (crc32c(view.buffer, start, end) !== header.payloadCrc) {
        return { offset, reason: 'record payload checksum mismatch', incomplete: false };
      }
      let event: RecordHead;
      try {
        event = decodeHead(view.buffer, start, end);
      } catch (error) {
        if (error instanceof RecordDecodeError) return { offset, reason: error.reason, incomplete: false };
        throw error;
      }
      const position = positionOf(file.number, offset);
      if (event.position !== position) {
        return { offset, reason: `record says position ${event.position}, expected ${position}`, incomplete: false };
      }
      const objection = visit(event, position, length);
      if (objection !== undefined) return { offset, reason: objection, incomplete: false };
      offset += length;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** How much a repair would drop, and how many intact-looking records are in it. */
async function assessDamage(files: readonly SegmentFile[], damage: Damage): Promise<{ bytesAfter: number; intactAfter: number }> {
  let bytesAfter = 0;
  let intactAfter = 0;
  for (let i = damage.index; i < files.length; i++) {
    const file = files[i]!;
    const from = i === damage.index && !damage.missing ? damage.offset : 0;
    bytesAfter += Math.max(0, file.size - from);
    const content = await readFile(file.path);
    intactAfter += countIntactRecords(content, i === damage.index && !damage.missing ? from + 1 : SEGMENT_HEADER_BYTES);
  }
  return { bytesAfter, intactAfter };
}

/** Counts records with good checksums from `from` on, resynchronizing byte by byte over bad bytes. */
export function countIntactRecords(content: Buffer, from: number): number {
  let count = 0;
  let offset = from;
  while (offset + RECORD_HEADER_BYTES <= content.length) {
    const header = parseRecordHeader(content, offset);
    if (typeof header !== 'string') {
      const end = offset + RECORD_HEADER_BYTES + header.payloadLength;
      if (end <= content.length && crc32c(content, offset + RECORD_HEADER_BYTES, end) === header.payloadCrc) {
        count++;
        offset = end;
        continue;
      }
    }
    offset++;
  }
  return count;
}

/** Repair: keep everything before the damage; set the rest aside. */
async function cutLog(
  directory: string,
  files: readonly SegmentFile[],
  damage: Damage,
  damagedPath: string,
  bytesDropped: number,
  intactRecordsDropped: number,
): Promise<RepairReport> {
  const stamp = Date.now();
  const savedAs: string[] = [];
  const droppedSegments: string[] = [];
  let firstWhole = damage.index;
  if (!damage.missing) {
    const file = files[damage.index]!;
    firstWhole = damage.index + 1;
    if (damage.offset < SEGMENT_HEADER_BYTES) {
      const aside = `${file.path}.dropped-${stamp}`;
      await rename(file.path, aside);
      droppedSegments.push(file.path);
      savedAs.push(aside);
    } else {
      const aside = `${file.path}.dropped-at-${damage.offset}-${stamp}`;
      const handle = await open(file.path, 'r+');
      try {
        const tail = Buffer.allocUnsafe(file.size - damage.offset);
        let done = 0;
        while (done < tail.length) {
          const { bytesRead } = await handle.read(tail, done, tail.length - done, damage.offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        const out = await open(aside, 'wx');
        try {
          await writeFully(out, tail.subarray(0, done), 0);
          await out.sync();
        } finally {
          await out.close();
        }
        await handle.truncate(damage.offset);
        await handle.sync();
      } finally {
        await handle.close();
      }
      savedAs.push(aside);
    }
  }
  for (let i = firstWhole; i < files.length; i++) {
    const file = files[i]!;
    const aside = `${file.path}.dropped-${stamp}`;
    await rename(file.path, aside);
    droppedSegments.push(file.path);
    savedAs.push(aside);
  }
  await syncDirectory(directory);
  return {
    file: damagedPath,
    offset: damage.offset,
    reason: damage.reason,
    bytesDropped,
    intactRecordsDropped,
    droppedSegments,
    savedAs,
  };
}

/** Cuts an incomplete final record off the last segment (rewriting a torn segment header). */
async function truncateTornTail(file: SegmentFile, offset: number): Promise<number> {
  const handle = await open(file.path, 'r+');
  try {
    if (offset < SEGMENT_HEADER_BYTES) {
      await handle.truncate(0);
      await writeFully(handle, encodeSegmentHeader(file.number), 0);
      await handle.datasync();
      return SEGMENT_HEADER_BYTES;
    }
    await handle.truncate(offset);
    await handle.datasync();
    return offset;
  } finally {
    await handle.close();
  }
}

async function createEmptySegment(directory: string, segment: number): Promise<void> {
  const handle = await open(join(directory, segmentFileName(segment)), 'wx');
  try {
    await writeFully(handle, encodeSegmentHeader(segment), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(directory);
}

/** Sequential reader over a file with a sliding 256 KiB window (small enough to keep each step short). */
class ChunkReader {
  private buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** The bytes [offset, offset + length) if the window holds them. */
  view(offset: number, length: number): { buffer: Buffer; at: number } | undefined {
    if (offset >= this.start && offset + length <= this.start + this.buffer.length) {
      return { buffer: this.buffer, at: offset - this.start };
    }
    return undefined;
  }

  /** Moves the window to start at `offset` (holding at least `length` bytes). */
  async fill(offset: number, length: number): Promise<{ buffer: Buffer; at: number }> {
    const want = Math.min(Math.max(READ_CHUNK, length), this.size - offset);
    const buffer = Buffer.allocUnsafe(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.handle.read(buffer, done, want - done, offset + done);
      if (bytesRead === 0) throw new Error(`file shrank while being scanned (at byte ${offset + done})`);
      done += bytesRead;
    }
    this.buffer = buffer;
    this.start = offset;
    return { buffer, at: 0 };
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
