import { Base64StreamDecoder } from '../../domain/rtsp/base64Stream.js';
import { formatResponse } from '../../domain/rtsp/responseFormat.js';
import { response, type RtspRequest } from '../../domain/rtsp/rtspMessage.js';
import type { RtspConnection } from './rtspConnection.js';

/**
 * QuickTime's RTSP-over-HTTP tunnelling (QTSS-COMPAT §3): a GET connection carries
 * replies and interleaved RTP back to the client, a POST connection carries base64 of
 * the client's RTSP requests; `x-sessioncookie` pairs them, in either order. The GET
 * side's RtspConnection becomes the session's connection (tunnelled, so UDP is
 * refused); the POST side only decodes and feeds it. Either half left unpaired is
 * closed after a timeout.
 */
interface PendingTunnel {
  get: RtspConnection | null;
  readonly posts: Set<RtspConnection>;
  /** Decoded request bytes that arrived before the GET. */
  early: Buffer[];
  earlyBytes: number;
  timer: NodeJS.Timeout | null;
  /** True once requests have flowed from a POST to the GET. */
  paired: boolean;
}

const MAX_EARLY_BYTES = 64 * 1024;

export class TunnelRegistry {
  private readonly tunnels = new Map<string, PendingTunnel>();

  constructor(
    private readonly serverHeader: string,
    private readonly pairTimeoutMs = 30_000,
  ) {}

  handle(connection: RtspConnection, request: RtspRequest): void {
    const cookie = request.headers.get('x-sessioncookie');
    if (!cookie || cookie.length > 128 || (request.method !== 'GET' && request.method !== 'POST')) {
      connection.writeRaw(formatResponse(this.decorate(response(400, [['Connection', 'close']])), 'HTTP/1.0'));
      connection.close();
      return;
    }
    if (request.method === 'GET') this.acceptGet(cookie, connection);
    else this.acceptPost(cookie, connection);
  }

  get pending(): number {
    return [...this.tunnels.values()].filter((t) => !t.paired).length;
  }

  private entry(cookie: string): PendingTunnel {
    let tunnel = this.tunnels.get(cookie);
    if (!tunnel) {
      tunnel = { get: null, posts: new Set(), early: [], earlyBytes: 0, timer: null, paired: false };
      this.tunnels.set(cookie, tunnel);
    }
    return tunnel;
  }

  private acceptGet(cookie: string, connection: RtspConnection): void {
    const tunnel = this.entry(cookie);
    if (tunnel.get && tunnel.get !== connection) {
      connection.writeRaw(formatResponse(this.decorate(response(400, [['Connection', 'close']])), 'HTTP/1.0'));
      connection.close();
      return;
    }
    tunnel.get = connection;
    connection.tunnelled = true;
    connection.writeRaw(
      formatResponse(
        this.decorate(
          response(200, [
            ['Connection', 'close'],
            ['Cache-Control', 'no-store'],
            ['Pragma', 'no-cache'],
            ['Content-Type', 'application/x-rtsp-tunnelled'],
          ]),
        ),
        'HTTP/1.0',
      ),
    );
    connection.onClosed(() => this.forget(cookie, connection));
    if (tunnel.early.length > 0) {
      // The POST came first: its requests run now.
      for (const bytes of tunnel.early) connection.feed(bytes);
      tunnel.early = [];
      tunnel.earlyBytes = 0;
      this.paired(tunnel);
    } else {
      this.armTimeout(cookie, tunnel, connection);
    }
  }

  private acceptPost(cookie: string, post: RtspConnection): void {
    const tunnel = this.entry(cookie);
    tunnel.posts.add(post);
    const decoder = new Base64StreamDecoder();
    let sawBytes = false;
    post.rawListener = (bytes) => {
      const decoded = decoder.push(bytes);
      if (decoded === null) {
        post.close();
        return;
      }
      if (decoded.length === 0) return;
      sawBytes = true;
      if (tunnel.get) {
        this.paired(tunnel);
        tunnel.get.feed(decoded);
      } else if (tunnel.earlyBytes + decoded.length <= MAX_EARLY_BYTES) {
        tunnel.early.push(decoded);
        tunnel.earlyBytes += decoded.length;
      } else {
        post.close();
      }
    };
    if (tunnel.get) this.paired(tunnel);
    else this.armTimeout(cookie, tunnel, post);
    // A POST may close after each request (QuickTime does); the GET side lives on.
    post.onClosed(() => {
      tunnel.posts.delete(post);
      if (!tunnel.get && !sawBytes) this.tunnels.delete(cookie);
    });
  }

  private armTimeout(cookie: string, tunnel: PendingTunnel, half: RtspConnection): void {
    if (tunnel.timer) clearTimeout(tunnel.timer);
    tunnel.timer = setTimeout(() => {
      tunnel.timer = null;
      if (this.tunnels.get(cookie) === tunnel && !tunnel.paired) {
        this.tunnels.delete(cookie);
        half.close();
      }
    }, this.pairTimeoutMs);
    tunnel.timer.unref();
  }

  private paired(tunnel: PendingTunnel): void {
    tunnel.paired = true;
    if (tunnel.timer) clearTimeout(tunnel.timer);
    tunnel.timer = null;
  }

  private forget(cookie: string, get: RtspConnection): void {
    const tunnel = this.tunnels.get(cookie);
    if (tunnel?.get === get) {
      if (tunnel.timer) clearTimeout(tunnel.timer);
      this.tunnels.delete(cookie);
      for (const post of tunnel.posts) post.close();
    }
  }

  private decorate(res: ReturnType<typeof response>): ReturnType<typeof response> {
    res.headers.set('Server', this.serverHeader);
    res.headers.set('Date', new Date().toUTCString());
    return res;
  }
}
