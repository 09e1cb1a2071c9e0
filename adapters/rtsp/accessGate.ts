import path from 'node:path';
import type { Authenticator } from '../auth/authenticator.js';
import type { RequestTarget } from '../../domain/rtsp/requestTarget.js';
import { response, type RtspRequest, type RtspResponse } from '../../domain/rtsp/rtspMessage.js';
import { parseTransportList } from '../../domain/rtsp/headers/transport.js';
import type { RtspConnection } from './rtspConnection.js';

/**
 * The one access check every request that reads or writes a presentation passes:
 * the aggregate URL, per-track URLs, tunnelled requests and broadcasts alike.
 * READ for viewers; WRITE for ANNOUNCE, RECORD and SETUP with mode=record.
 * Refusals and logins are reported to `onDecision` (the server's event stream).
 */
export interface AccessDecisionEvent {
  readonly type: 'AccessDenied' | 'UserAuthenticated';
  readonly data: Record<string, unknown>;
}

const CHECKED = new Set(['DESCRIBE', 'SETUP', 'PLAY', 'ANNOUNCE', 'RECORD']);
/** Logins worth an event: the first request of a session, not every keepalive. */
const LOGIN_METHODS = new Set(['DESCRIBE', 'ANNOUNCE']);

export class AccessGate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly moviesRoot: string,
    private readonly onDecision: (event: AccessDecisionEvent) => void,
  ) {}

  /** A request for a path that would leave the movies folder: refused by the parser, recorded here. */
  reportHostile(connection: RtspConnection, request: RtspRequest, reason: string, status: number): void {
    this.onDecision({
      type: 'AccessDenied',
      data: { clientAddress: connection.remoteAddress, url: request.uri.slice(0, 2000), method: request.method, action: 'READ', user: null, status, scheme: null, reason },
    });
  }

  /** Null when the request may go on; otherwise the refusal to send. */
  async check(connection: RtspConnection, request: RtspRequest, target: Extract<RequestTarget, { kind: 'path' }>): Promise<RtspResponse | null> {
    if (!CHECKED.has(request.method)) return null;
    const action = isWrite(request) ? 'WRITE' : 'READ';
    const result = await this.authenticator.authenticate({
      method: request.method,
      uri: request.uri,
      headers: request.headers,
      clientAddress: connection.remoteAddress,
      filePath: path.join(this.moviesRoot, ...target.segments),
      action,
    });
    if (result.allowed) {
      if (result.user && LOGIN_METHODS.has(request.method)) {
        this.onDecision({
          type: 'UserAuthenticated',
          data: { clientAddress: connection.remoteAddress, url: request.uri, method: request.method, user: result.user.name, scheme: result.user.scheme },
        });
      }
      return null;
    }
    const challenge = result.headers.find(([name]) => name.toLowerCase() === 'www-authenticate')?.[1] ?? null;
    this.onDecision({
      type: 'AccessDenied',
      data: {
        clientAddress: connection.remoteAddress,
        url: request.uri,
        method: request.method,
        action,
        user: result.attemptedUser,
        status: result.status,
        scheme: challenge === null ? null : challenge.split(' ')[0]!.toLowerCase(),
        reason: result.reason,
      },
    });
    return response(result.status, result.headers);
  }
}

function isWrite(request: RtspRequest): boolean {
  if (request.method === 'ANNOUNCE' || request.method === 'RECORD') return true;
  if (request.method !== 'SETUP') return false;
  const transport = request.headers.get('Transport');
  return transport !== undefined && parseTransportList(transport).specs.some((s) => s.mode === 'RECORD' || s.mode === 'RECEIVE');
}
