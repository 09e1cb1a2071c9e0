import { parseSession, formatSession } from '../../domain/rtsp/headers/session.js';
import { parseRequestTarget, type RequestTarget } from '../../domain/rtsp/requestTarget.js';
import { cseqOf, response, type RtspRequest, type RtspResponse } from '../../domain/rtsp/rtspMessage.js';
import { randomBytes } from 'node:crypto';
import type { AccessGate } from './accessGate.js';
import type { TunnelRegistry } from './httpTunnel.js';
import type { RequestHandler, RtspConnection } from './rtspConnection.js';
import type { SessionEntry, SessionRegistry } from './sessionRegistry.js';

/**
 * Routes each request to the session actor it belongs to, or answers it here when
 * no session is involved (OPTIONS, keepalives, protocol errors). New sessions are
 * made by DESCRIBE or by a SETUP without a Session header.
 */
export const PUBLIC_METHODS = ['DESCRIBE', 'SETUP', 'TEARDOWN', 'PLAY', 'PAUSE', 'OPTIONS', 'ANNOUNCE', 'RECORD', 'GET_PARAMETER', 'SET_PARAMETER'];

export interface ErrorLogger {
  log(level: 'FATAL' | 'WARNING' | 'INFO' | 'DEBUG', message: string): void;
}

export interface RouterDeps {
  readonly registry: SessionRegistry;
  createSession(connection: RtspConnection, target: Extract<RequestTarget, { kind: 'path' }>, request: RtspRequest): SessionEntry;
  readonly serverHeader: string;
  readonly timeoutSeconds: number;
  readonly logger: ErrorLogger;
  readonly tunnels: TunnelRegistry;
  /** Access control (qtaccess, users, Basic/Digest); absent means everything is open. */
  readonly access?: AccessGate;
  /** Longest a session may take to answer before the client gets 500 (a stuck disk, say). */
  readonly requestTimeoutMs?: number;
}

type PathTarget = Extract<RequestTarget, { kind: 'path' }>;

export class RequestRouter implements RequestHandler {
  constructor(private readonly deps: RouterDeps) {}

  async handle(connection: RtspConnection, request: RtspRequest): Promise<RtspResponse> {
    if (request.version !== 'RTSP/1.0') return response(505);
    if (cseqOf(request) === undefined) return response(400);
    const parsed = parseRequestTarget(request.uri);
    if (!parsed.ok) {
      this.deps.logger.log('WARNING', `${connection.remoteAddress}: ${request.method} ${request.uri.slice(0, 200)} refused: ${parsed.reason}`);
      const status = parsed.hostile ? 404 : 400;
      if (parsed.hostile) this.deps.access?.reportHostile(connection, request, parsed.reason, status);
      return response(status);
    }
    const target = parsed.target;
    const method = request.method;
    if (target.kind === 'path' && this.deps.access) {
      const refusal = await this.deps.access.check(connection, request, target);
      if (refusal) return refusal;
    }

    let entry: SessionEntry | undefined;
    const sessionText = request.headers.get('Session');
    if (sessionText !== undefined) {
      if (method === 'DESCRIBE') return response(456);
      const session = parseSession(sessionText);
      entry = session ? this.deps.registry.get(session.id) : undefined;
      if (!entry) return response(454);
      this.deps.registry.touch(entry);
      entry.connections.add(connection.id);
    }

    switch (method) {
      case 'OPTIONS':
        return this.options(request, entry);
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        // Keepalives (ffmpeg, VLC, live555): touching the session above is all they need.
        return response(200, this.sessionHeader(entry));
      case 'ANNOUNCE':
      case 'DESCRIBE': {
        if (target.kind !== 'path') return response(400);
        if (entry) return response(455);
        // The client's first SETUP (without a Session header) joins the session made here.
        const created = this.deps.createSession(connection, target, request);
        const res = await this.ask(created, connection, request, target);
        if (res.status === 200) this.deps.registry.rememberDescribed(connection.id, target.path, created.id);
        return res;
      }
      case 'SETUP': {
        if (target.kind !== 'path') return response(400);
        entry ??= this.deps.registry.takeDescribed(connection.id, target.path) ?? this.deps.createSession(connection, target, request);
        return this.ask(entry, connection, request, target);
      }
      case 'PLAY':
      case 'PAUSE':
      case 'RECORD':
      case 'TEARDOWN':
        if (!entry) return response(454);
        if (target.kind !== 'path') return response(400);
        return this.ask(entry, connection, request, target);
      default:
        return response(501, [['Public', PUBLIC_METHODS.join(', ')]]);
    }
  }

  http(connection: RtspConnection, request: RtspRequest): void {
    this.deps.tunnels.handle(connection, request);
  }

  /**
   * OPTIONS, including QuickTime's speed test: `Require: x-Random-Data-Size` with
   * `x-Random-Data-Size: N` is answered with N random bytes (at most 256 KB).
   */
  private options(request: RtspRequest, entry: SessionEntry | undefined): RtspResponse {
    const headers: Array<[string, string]> = [['Public', PUBLIC_METHODS.join(', ')], ...this.sessionHeader(entry)];
    const require = request.headers.get('Require');
    if (require && /\bx-Random-Data-Size\b/i.test(require)) {
      const asked = Number(request.headers.get('x-Random-Data-Size'));
      if (!Number.isInteger(asked) || asked < 0) return response(400, headers);
      return response(200, [...headers, ['Content-Type', 'application/x-random-data']], randomBytes(Math.min(asked, 256 * 1024)));
    }
    return response(200, headers);
  }

  decorate(request: RtspRequest | null, res: RtspResponse): RtspResponse {
    const cseq = request ? cseqOf(request) : undefined;
    if (cseq !== undefined) res.headers.set('CSeq', cseq);
    res.headers.set('Server', this.deps.serverHeader);
    res.headers.set('Date', new Date().toUTCString());
    return res;
  }

  connectionClosed(connection: RtspConnection): void {
    this.deps.registry.connectionClosed(connection.id);
  }

  protocolError(connection: RtspConnection, message: string): void {
    this.deps.logger.log('WARNING', `${connection.remoteAddress}:${connection.remotePort}: ${message}`);
  }

  private sessionHeader(entry: SessionEntry | undefined): Array<[string, string]> {
    return entry ? [['Session', formatSession({ id: entry.id, timeout: this.deps.timeoutSeconds })]] : [];
  }

  private ask(entry: SessionEntry, connection: RtspConnection, request: RtspRequest, target: PathTarget): Promise<RtspResponse> {
    if (entry.actor.getSnapshot().status !== 'active') return Promise.resolve(response(454));
    entry.connections.add(connection.id);
    this.deps.registry.touch(entry);
    return new Promise<RtspResponse>((resolve) => {
      const timer = setTimeout(() => {
        this.deps.logger.log('WARNING', `session ${entry.id} did not answer ${request.method} in time`);
        resolve(response(500));
      }, this.deps.requestTimeoutMs ?? 20_000);
      entry.actor.send({
        type: 'REQUEST',
        request,
        target,
        origin: connection,
        respond: (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      });
    });
  }
}
