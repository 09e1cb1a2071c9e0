import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { MessageParser, type ParserLimits } from '../../domain/rtsp/messageParser.js';
import { formatResponse } from '../../domain/rtsp/responseFormat.js';
import { response, type RtspRequest, type RtspResponse } from '../../domain/rtsp/rtspMessage.js';
import { flushWithinWindow } from './coalescedFlush.js';
import type { MediaConnection } from './mediaConnection.js';

/**
 * One client's TCP connection: parses its bytes, hands requests to the router one at
 * a time (responses go out in request order), and carries interleaved RTP/RTCP. RTP
 * frames are gathered into a single socket write per short window (coalescedFlush.ts),
 * so a scheduler tick or a burst of live packets leaves in one syscall per connection.
 */
export interface RequestHandler {
  handle(connection: RtspConnection, request: RtspRequest): Promise<RtspResponse>;
  /** An HTTP request (QuickTime tunnelling GET/POST); the handler takes the connection over. */
  http(connection: RtspConnection, request: RtspRequest): void;
  /** Adds headers every response carries (CSeq, Server, Date). */
  decorate(request: RtspRequest | null, res: RtspResponse): RtspResponse;
  connectionClosed(connection: RtspConnection): void;
  /** Protocol errors are logged by the caller's logger. */
  protocolError(connection: RtspConnection, message: string): void;
}

/** Above this many bytes waiting in the socket, on-demand senders wait (TCP backpressure). */
const HIGH_WATER_BYTES = 256 * 1024;
/** Smallest interleaved batch buffer made, and the largest kept from one flush window to the next. */
const MIN_BATCH_BYTES = 2048;
const MAX_KEPT_BATCH_BYTES = 64 * 1024;

export class RtspConnection implements MediaConnection {
  readonly id = randomUUID();
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Set once an HTTP GET made this connection the output side of a tunnel. */
  tunnelled = false;
  private readonly parser: MessageParser;
  private readonly queue: RtspRequest[] = [];
  private busy = false;
  private closed = false;
  private readonly channelHandlers = new Map<number, (payload: Buffer) => void>();
  private readonly channelsInUse = new Set<number>();
  bytesReceived = 0;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    limits?: ParserLimits,
  ) {
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = (socket.localAddress ?? '').replace(/^::ffff:/, '');
    this.localPort = socket.localPort ?? 0;
    this.parser = new MessageParser(limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.feed(chunk));
    socket.on('error', () => {
      // Resets and broken pipes are normal ends of a client; 'close' follows.
    });
    socket.on('close', () => this.onClose());
  }

  /** Bytes of the client's RTSP stream: from its socket, or decoded from a tunnel's POST. */
  feed(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    for (const item of this.parser.push(chunk)) {
      switch (item.kind) {
        case 'request':
          if (item.request.version.startsWith('HTTP/')) {
            this.handler.http(this, item.request);
            break;
          }
          this.queue.push(item.request);
          break;
        case 'raw':
          this.rawListener?.(item.bytes);
          break;
        case 'interleaved':
          this.channelHandlers.get(item.channel)?.(item.payload);
          break;
        case 'response':
          // Clients do not send responses to a server; ignore rather than fail.
          break;
        case 'error':
          this.handler.protocolError(this, item.message);
          this.writeResponse(this.handler.decorate(null, response(item.status, [['Connection', 'close']])));
          this.socket.end();
          this.queue.length = 0;
          return;
      }
    }
    void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const request = this.queue.shift()!;
        let res: RtspResponse;
        try {
          res = await this.handler.handle(this, request);
        } catch (error) {
          this.handler.protocolError(this, `internal error handling ${request.method}: ${error instanceof Error ? error.stack : String(error)}`);
          res = response(500);
        }
        this.writeResponse(this.handler.decorate(request, res));
      }
    } finally {
      this.busy = false;
    }
  }

  writeResponse(res: RtspResponse): void {
    if (this.closed || this.socket.destroyed) return;
    // Frames queued before this response go first: order on the wire is order of calls.
    this.flushBatch();
    this.socket.write(formatResponse(res));
  }

  /**
   * Queues one `$`-framed packet. Frames queued within the flush window leave in a
   * single write (one copy into one buffer, one syscall), which is what makes fan-out
   * over TCP cheap: per packet it costs a small copy, not a stream write.
   */
  writeInterleaved(channel: number, header: Buffer, chunks: readonly Buffer[]): void {
    if (this.closed || this.socket.destroyed) return;
    let length = header.length;
    for (let i = 0; i < chunks.length; i++) length += chunks[i]!.length;
    // The frame's length field is 16 bits: a larger packet cannot be carried at all.
    if (length > 0xffff) return;
    const start = this.reserve(4 + length);
    const batch = this.batch!;
    batch[start] = 0x24;
    batch[start + 1] = channel;
    batch[start + 2] = length >>> 8;
    batch[start + 3] = length & 0xff;
    batch.set(header, start + 4);
    let at = start + 4 + header.length;
    for (let i = 0; i < chunks.length; i++) {
      batch.set(chunks[i]!, at);
      at += chunks[i]!.length;
    }
  }

  /**
   * The window's outgoing frames. The buffer is kept for the next window when the
   * kernel took the last write whole (the usual case), so a reader costs no allocation
   * per window; a write Node had to queue keeps its buffer, and a new one is made.
   */
  private batch: Buffer | null = null;
  private batchUsed = 0;
  /** Bytes the last batch carried: a new one starts that size, so it rarely grows. */
  private lastBatchUsed = 0;

  /** Reserves `size` bytes at the end of this window's batch, growing it when needed; returns where they start. */
  private reserve(size: number): number {
    if (this.batchUsed === 0) flushWithinWindow(this);
    const needed = this.batchUsed + size;
    if (this.batch === null || needed > this.batch.length) {
      // Not from Node's pool: a kept batch would pin a slab shared with others.
      const next = Buffer.allocUnsafeSlow(Math.max(MIN_BATCH_BYTES, Math.min(this.lastBatchUsed, MAX_KEPT_BATCH_BYTES), needed * 2));
      if (this.batch !== null && this.batchUsed > 0) this.batch.copy(next, 0, 0, this.batchUsed);
      this.batch = next;
    }
    const start = this.batchUsed;
    this.batchUsed = needed;
    return start;
  }

  /** Writes the window's frames; also called before anything else goes on the wire. */
  flushBatch(): void {
    const used = this.batchUsed;
    if (used === 0) return;
    this.batchUsed = 0;
    this.lastBatchUsed = used;
    const batch = this.batch!;
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(batch.subarray(0, used));
    // Bytes still waiting in Node mean it holds this buffer until they are written; an
    // unusually large batch is let go rather than kept for the connection's life.
    if (this.socket.writableLength !== 0 || batch.length > MAX_KEPT_BATCH_BYTES) this.batch = null;
  }

  /** Receives the bytes after an HTTP POST head (the tunnel's base64 stream). */
  rawListener: ((bytes: Buffer) => void) | null = null;

  /** Writes bytes as they are (HTTP tunnel replies). */
  writeRaw(bytes: Buffer): void {
    this.flushBatch();
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }

  canWrite(): boolean {
    return this.socket.writableLength + this.batchUsed < HIGH_WATER_BYTES;
  }

  allocateChannels(preferred: readonly [number, number] | undefined): readonly [number, number] | null {
    if (preferred && preferred[0] !== preferred[1] && !this.channelsInUse.has(preferred[0]) && !this.channelsInUse.has(preferred[1])) {
      this.channelsInUse.add(preferred[0]);
      this.channelsInUse.add(preferred[1]);
      return preferred;
    }
    for (let rtp = 0; rtp < 255; rtp += 2) {
      if (!this.channelsInUse.has(rtp) && !this.channelsInUse.has(rtp + 1)) {
        this.channelsInUse.add(rtp);
        this.channelsInUse.add(rtp + 1);
        return [rtp, rtp + 1];
      }
    }
    return null;
  }

  releaseChannels(channels: readonly [number, number]): void {
    for (const c of channels) {
      this.channelsInUse.delete(c);
      this.channelHandlers.delete(c);
    }
  }

  onChannel(channel: number, handler: (payload: Buffer) => void): void {
    this.channelHandlers.set(channel, handler);
  }

  close(): void {
    this.socket.destroy();
  }

  private readonly closeListeners: Array<() => void> = [];

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.handler.connectionClosed(this);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
