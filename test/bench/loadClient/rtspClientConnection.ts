import net from 'node:net';
import { MessageParser } from '../../../domain/rtsp/messageParser.js';
import type { RtspResponseMessage } from '../../../domain/rtsp/rtspMessage.js';
import { FrameScanner, type FrameSink } from './frameScanner.js';

/**
 * One RTSP client connection, as a real player has: one TCP connection per session.
 * Requests carry CSeq (and Session once known) and are answered in order; interleaved
 * frames go to `onFrame` as views, without a copy or an allocation per frame.
 */
export type FrameHandler = (channel: number, buffer: Buffer, offset: number, length: number) => void;

const USER_AGENT = 'StreamhouseBench/1.0';
const noFrames: FrameHandler = () => {};

/**
 * Every connection reads into this one buffer (net's `onread`): no Buffer per read and no
 * stream machinery, which matters at hundreds of thousands of reads a second. Sharing
 * is safe because a read is consumed synchronously: frames are counted in the
 * callback, and the scanner copies any unfinished tail before returning.
 */
const sharedReadBuffer = Buffer.allocUnsafe(256 * 1024);

/**
 * Batched reading, for readers of many TCP streams: after each read a connection stops
 * reading until one shared timer starts them all again, so one read (and one wake-up)
 * takes every frame that arrived meanwhile instead of one or two. Data waits in the
 * kernel's socket buffer, the server sees an open window, and nothing is lost; only
 * the time a frame is counted moves, by up to the interval (so not for latency runs).
 */
const pausedReaders: RtspClientConnection[] = [];
let batchTimer: NodeJS.Timeout | null = null;
let batchIntervalMs = 0;

function resumePausedReaders(): void {
  for (const c of pausedReaders.splice(0)) if (!c.closed) c.socket.resume();
}

export function setReadBatchInterval(ms: number): void {
  if (ms === batchIntervalMs) return;
  batchIntervalMs = ms;
  if (batchTimer) clearInterval(batchTimer);
  batchTimer = ms > 0 ? setInterval(resumePausedReaders, ms) : null;
  if (ms === 0) resumePausedReaders();
}

interface Waiter {
  resolve(response: RtspResponseMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RtspClientConnection implements FrameSink {
  private readonly scanner = new FrameScanner(this);
  private readonly parser = new MessageParser();
  private readonly waiting: Waiter[] = [];
  private cseq = 0;
  session: string | null = null;
  /** Seconds, from `Session: id;timeout=N`. */
  sessionTimeout: number | null = null;
  closed = false;
  /** Read in batches (see setReadBatchInterval) once set; requests turn it off. */
  batchReads = false;
  onFrame: FrameHandler = noFrames;
  onClose: () => void = () => {};

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => {
      // 'close' follows; pending requests fail there.
    });
    socket.on('close', () => {
      this.closed = true;
      const error = new Error('connection closed');
      for (const w of this.waiting.splice(0)) {
        clearTimeout(w.timer);
        w.reject(error);
      }
      this.onClose();
    });
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<RtspClientConnection> {
    return new Promise((resolve, reject) => {
      let connection: RtspClientConnection | null = null;
      const socket = net.connect({
        port,
        host,
        onread: {
          buffer: sharedReadBuffer,
          callback: (bytes: number, buffer: Uint8Array): boolean => {
            if (connection === null) return true;
            connection.scanner.push(buffer as Buffer, bytes);
            if (!connection.batchReads || batchIntervalMs === 0) return true;
            pausedReaders.push(connection);
            return false; // stop reading until the batch timer resumes it
          },
        },
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        connection = new RtspClientConnection(socket);
        resolve(connection);
      });
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
    });
  }

  request(method: string, url: string, headers: ReadonlyArray<readonly [string, string]> = [], body?: string, timeoutMs = 10_000): Promise<RtspResponseMessage> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    let text = `${method} ${url} RTSP/1.0\r\nCSeq: ${++this.cseq}\r\nUser-Agent: ${USER_AGENT}\r\n`;
    if (this.session !== null) text += `Session: ${this.session}\r\n`;
    for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
    if (body !== undefined) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    text += `\r\n${body ?? ''}`;
    return new Promise<RtspResponseMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiting.findIndex((w) => w.timer === timer);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
        // Later answers would now be matched to the wrong request: this connection is done.
        this.close();
      }, timeoutMs);
      this.waiting.push({ resolve, reject, timer });
      this.socket.write(text);
    }).then((res) => {
      const session = res.headers.get('Session');
      if (session !== undefined) {
        const [id, ...params] = session.split(';');
        this.session = id!.trim();
        for (const p of params) {
          const m = /^\s*timeout\s*=\s*(\d+)\s*$/i.exec(p);
          if (m) this.sessionTimeout = Number(m[1]);
        }
      }
      return res;
    });
  }

  /** Sends one interleaved frame (an RTCP receiver report, a publisher's RTP). */
  writeFrame(channel: number, payload: Buffer): void {
    if (this.closed) return;
    const prefix = Buffer.allocUnsafe(4);
    prefix[0] = 0x24;
    prefix[1] = channel;
    prefix.writeUInt16BE(payload.length, 2);
    this.socket.cork();
    this.socket.write(prefix);
    this.socket.write(payload);
    this.socket.uncork();
  }

  close(): void {
    this.socket.destroy();
  }

  // FrameSink

  frame(channel: number, buffer: Buffer, offset: number, length: number): void {
    this.onFrame(channel, buffer, offset, length);
  }

  message(bytes: Buffer): void {
    for (const item of this.parser.push(Buffer.from(bytes))) {
      if (item.kind !== 'response') continue; // a server's own requests are not expected here
      const waiter = this.waiting.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(item.response);
      }
    }
  }

  broken(reason: string): void {
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(new Error(`unparseable stream from server: ${reason}`));
    }
    this.close();
  }
}
