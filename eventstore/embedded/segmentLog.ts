import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, segmentFileName } from './recordCodec.js';

/** Records for one segment, contiguous from `offset`, in order. */
export interface WriteChunk {
  readonly segment: number;
  readonly offset: number;
  readonly parts: readonly Buffer[];
}

/**
 * The segment files once the log has been recovered: positional reads from any segment, and
 * appends to the last one, rolling to a new segment when the chunks say so.
 *
 * Crash-ordering rule kept here: a new segment file is created only after everything written to the
 * previous one is synced, so only the last segment can ever end in a torn record.
 */
export class SegmentLog {
  private readonly handles = new Map<number, Promise<FileHandle>>();
  private activeSegment: number;
  private activeHandle: FileHandle;
  private closed = false;

  private constructor(
    readonly directory: string,
    segment: number,
    handle: FileHandle,
  ) {
    this.activeSegment = segment;
    this.activeHandle = handle;
    this.handles.set(segment, Promise.resolve(handle));
  }

  /** Opens the log for appending at the end of `lastSegment` (which exists and has a valid header). */
  static async open(directory: string, lastSegment: number): Promise<SegmentLog> {
    const handle = await open(join(directory, segmentFileName(lastSegment)), 'r+');
    return new SegmentLog(directory, lastSegment, handle);
  }

  get segments(): number {
    return this.activeSegment + 1;
  }

  /** Reads exactly `length` bytes at `offset` of `segment`. */
  async read(segment: number, offset: number, length: number): Promise<Buffer> {
    const handle = await this.handle(segment);
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new Error(`${segmentFileName(segment)} ends before byte ${offset + length} (short read at ${offset + done})`);
      }
      done += bytesRead;
    }
    return buffer;
  }

  /**
   * Writes the chunks (one write per segment touched) and, when `sync`, makes them durable with
   * fdatasync before returning (and fsyncs the directory when a segment file was created).
   * Returns how many data syncs were issued.
   */
  async write(chunks: readonly WriteChunk[], sync: boolean): Promise<number> {
    let syncs = 0;
    let dirty = false;
    let created = false;
    for (const chunk of chunks) {
      let bytes: Buffer;
      let at: number;
      if (chunk.segment !== this.activeSegment) {
        if (chunk.segment !== this.activeSegment + 1 || chunk.offset !== SEGMENT_HEADER_BYTES) {
          throw new Error(`internal error: cannot write segment ${chunk.segment} at ${chunk.offset} after segment ${this.activeSegment}`);
        }
        if (sync && dirty) {
          await this.activeHandle.datasync();
          syncs++;
        }
        const handle = await open(join(this.directory, segmentFileName(chunk.segment)), 'wx+');
        this.handles.set(chunk.segment, Promise.resolve(handle));
        this.activeSegment = chunk.segment;
        this.activeHandle = handle;
        created = true;
        bytes = Buffer.concat([encodeSegmentHeader(chunk.segment), ...chunk.parts]);
        at = 0;
      } else {
        bytes = chunk.parts.length === 1 ? chunk.parts[0]! : Buffer.concat(chunk.parts as Buffer[]);
        at = chunk.offset;
      }
      await writeFully(this.activeHandle, bytes, at);
      dirty = true;
    }
    if (sync && dirty) {
      await this.activeHandle.datasync();
      syncs++;
      if (created) await syncDirectory(this.directory);
    }
    return syncs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(handles.map(async (h) => (await h).close()));
  }

  private handle(segment: number): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error('segment log is closed'));
    let handle = this.handles.get(segment);
    if (handle === undefined) {
      handle = open(join(this.directory, segmentFileName(segment)), 'r');
      this.handles.set(segment, handle);
      handle.catch(() => this.handles.delete(segment));
    }
    return handle;
  }
}

export async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes directory entries (created, renamed files) durable; a no-op where directories cannot be synced. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}
