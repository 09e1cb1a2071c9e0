import net from 'node:net';
import { MessageParser } from '../../domain/rtsp/messageParser.js';
import type { RtspResponseMessage } from '../../domain/rtsp/rtspMessage.js';

/**
 * A bare RTSP client over one TCP connection, for tests that need to see exactly what
 * goes over the wire: it sends requests with CSeq and Session, waits for the matching
 * response, and collects interleaved frames per channel.
 */
export interface InterleavedFrame {
  readonly channel: number;
  readonly payload: Buffer;
  readonly atMs: number;
}

export class RtspTestClient {
  private readonly parser = new MessageParser();
  private cseq = 0;
  private readonly waiting: Array<(res: RtspResponseMessage) => void> = [];
  readonly frames: InterleavedFrame[] = [];
  session: string | null = null;
  closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const item of this.parser.push(chunk)) {
        if (item.kind === 'response') this.waiting.shift()?.(item.response);
        else if (item.kind === 'interleaved') this.frames.push({ channel: item.channel, payload: item.payload, atMs: performance.now() });
      }
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) => socket.on('close', () => {
      this.closed = true;
      resolve();
    }));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RtspTestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RtspTestClient(socket)));
      socket.once('error', reject);
    });
  }

  request(method: string, url: string, headers: Record<string, string> = {}, body?: string, timeoutMs = 10_000): Promise<RtspResponseMessage> {
    let text = `${method} ${url} RTSP/1.0\r\nCSeq: ${++this.cseq}\r\nUser-Agent: StreamhouseTest/1.0\r\n`;
    if (this.session && !('Session' in headers)) text += `Session: ${this.session}\r\n`;
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
    if (body) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    text += `\r\n${body ?? ''}`;
    return this.send(Buffer.from(text), timeoutMs).then((res) => {
      const session = res.headers.get('Session');
      if (session) this.session = session.split(';')[0]!.trim();
      return res;
    });
  }

  /** Writes raw bytes and waits for the next response. */
  send(bytes: Buffer, timeoutMs = 10_000): Promise<RtspResponseMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response in ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((res) => {
        clearTimeout(timer);
        resolve(res);
      });
      this.socket.write(bytes);
    });
  }

  /** Writes raw bytes without waiting for anything. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return Promise.race([this.closedPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
