/**
 * Splits one RTSP connection's byte stream into `$` interleaved frames and RTSP
 * messages, for a load client that sees tens of thousands of frames a second.
 *
 * The domain's MessageParser is the reference codec, but it copies every interleaved
 * payload and concatenates every chunk; here a frame is handed to the sink as a view
 * (buffer, offset, length) into the chunk it arrived in, and only a frame split across
 * two chunks costs a copy. Text messages are cut out whole and left to MessageParser.
 */
export interface FrameSink {
  frame(channel: number, buffer: Buffer, offset: number, length: number): void;
  /** One complete RTSP message (start line, headers, body). */
  message(bytes: Buffer): void;
  /** The stream cannot be framed any more (garbage, or a header section that never ends). */
  broken(reason: string): void;
}

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;
const MAX_HEADER_BYTES = 64 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length[ \t]*:[ \t]*(\d{1,9})/i;

export class FrameScanner {
  private rest: Buffer | null = null;
  private failed = false;

  constructor(private readonly sink: FrameSink) {}

  /** Scans chunk[0, length); the chunk may be reused by the caller once this returns. */
  push(chunk: Buffer, chunkLength = chunk.length): void {
    if (this.failed) return;
    const buffer = this.rest === null ? chunk : Buffer.concat([this.rest, chunk.subarray(0, chunkLength)]);
    const length = this.rest === null ? chunkLength : buffer.length;
    this.rest = null;
    let offset = 0;
    while (offset < length) {
      const first = buffer[offset]!;
      if (first === DOLLAR) {
        if (offset + 4 > length) break;
        const size = (buffer[offset + 2]! << 8) | buffer[offset + 3]!;
        if (offset + 4 + size > length) break;
        this.sink.frame(buffer[offset + 1]!, buffer, offset + 4, size);
        offset += 4 + size;
      } else if (first === CR || first === LF) {
        offset++;
      } else {
        // Bounded: past `length` the caller's buffer holds stale bytes.
        const headerEnd = buffer.subarray(0, length).indexOf(HEADER_END, offset);
        if (headerEnd < 0) {
          if (length - offset > MAX_HEADER_BYTES) return this.fail('header section never ends');
          break;
        }
        const head = buffer.toString('latin1', offset, headerEnd + 2);
        const m = CONTENT_LENGTH.exec(head);
        const end = headerEnd + 4 + (m ? Number(m[1]) : 0);
        if (end > length) break;
        this.sink.message(buffer.subarray(offset, end));
        offset = end;
      }
    }
    // Keep the unfinished tail as a copy: the chunk's memory is about to be reused.
    if (offset < length) this.rest = Buffer.from(buffer.subarray(offset, length));
  }

  private fail(reason: string): void {
    this.failed = true;
    this.rest = null;
    this.sink.broken(reason);
  }
}
