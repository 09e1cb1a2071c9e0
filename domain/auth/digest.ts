import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAuthParams, quoteString, splitScheme } from './authParams.js';
import { parseNonceCount } from './digestNonce.js';

export { checkNonce, createNonce, NonceCounter, parseNonceCount, NONCE_HEX_LENGTH, NONCE_RANDOM_BYTES } from './digestNonce.js';
export type { NonceCheck, NonceCheckOptions, NonceCountVerdict, NonceIssue } from './digestNonce.js';

/**
 * HTTP Digest authentication (RFC 2617, MD5) as RTSP uses it. The server keeps only
 * HA1 = MD5(user:realm:password), the third field of qtusers, so Digest always uses
 * the users file's realm. Responses are checked with and without `qop=auth` (old
 * QuickTime and live555 clients answer without qop even when it is offered, which
 * RFC 2617 §3.2.2 allows), and with `algorithm=MD5-sess`. `qop=auth-int` is refused.
 */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  /** 32 lower-case hex digits. */
  readonly response: string;
  /** 'MD5' (default) or 'MD5-sess'. */
  readonly algorithm: 'MD5' | 'MD5-sess';
  readonly qop?: 'auth';
  /** The nonce-count as sent (8 hex digits); present with qop. */
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

/** Why a Digest header was refused at parse time (for logs). */
export type DigestParseResult = { readonly ok: true; readonly credentials: DigestCredentials } | { readonly ok: false; readonly reason: string };

export function parseDigestAuthorization(header: string): DigestParseResult {
  const split = splitScheme(header);
  if (!split || split.scheme.toLowerCase() !== 'digest') return { ok: false, reason: 'not a Digest header' };
  const params = parseAuthParams(split.rest);
  if (!params) return { ok: false, reason: 'malformed Digest parameters' };
  const get = (name: string) => params.get(name);
  for (const required of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (get(required) === undefined) return { ok: false, reason: `Digest header lacks ${required}` };
  }
  const response = get('response')!.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(response)) return { ok: false, reason: 'Digest response is not 32 hex digits' };
  const algorithmText = get('algorithm') ?? 'MD5';
  const algorithm = algorithmText.toLowerCase() === 'md5' ? 'MD5' : algorithmText.toLowerCase() === 'md5-sess' ? 'MD5-sess' : null;
  if (!algorithm) return { ok: false, reason: `unsupported Digest algorithm ${algorithmText.slice(0, 40)}` };
  const qopText = get('qop');
  const cnonce = get('cnonce');
  const nc = get('nc');
  if (qopText !== undefined) {
    if (qopText.toLowerCase() !== 'auth') return { ok: false, reason: `unsupported qop ${qopText.slice(0, 40)}` };
    if (nc === undefined || Number.isNaN(parseNonceCount(nc))) return { ok: false, reason: 'qop=auth needs an 8-hex-digit nc' };
    if (cnonce === undefined || cnonce === '') return { ok: false, reason: 'qop=auth needs a cnonce' };
  }
  if (algorithm === 'MD5-sess' && (cnonce === undefined || cnonce === '')) return { ok: false, reason: 'MD5-sess needs a cnonce' };
  const opaque = get('opaque');
  return {
    ok: true,
    credentials: {
      username: get('username')!,
      realm: get('realm')!,
      nonce: get('nonce')!,
      uri: get('uri')!,
      response,
      algorithm,
      ...(qopText !== undefined && { qop: 'auth' as const, nc: nc!, cnonce: cnonce! }),
      ...(qopText === undefined && cnonce !== undefined && { cnonce }),
      ...(opaque !== undefined && { opaque }),
    },
  };
}

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export interface DigestResponseInput {
  /** Stored HA1, hex MD5(user:realm:password). */
  readonly ha1: string;
  /** The request method (DESCRIBE, SETUP, ANNOUNCE…). */
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  readonly algorithm?: 'MD5' | 'MD5-sess';
  readonly qop?: 'auth';
  readonly nc?: string;
  readonly cnonce?: string;
}

/** The `response` a client holding the password would send. */
export function digestResponse(input: DigestResponseInput): string {
  let ha1 = input.ha1.toLowerCase();
  if (input.algorithm === 'MD5-sess') ha1 = md5Hex(`${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = md5Hex(`${input.method}:${input.uri}`);
  if (input.qop === 'auth') return md5Hex(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:auth:${ha2}`);
  return md5Hex(`${ha1}:${input.nonce}:${ha2}`);
}

/**
 * Whether the credentials prove knowledge of the password behind `ha1` for this
 * request. The realm must be the users file's, and the digest-uri must name the
 * requested resource (see `sameRequestUri`). Nonce freshness and nonce-count are
 * checked apart (checkNonce, NonceCounter), so a right answer to an old nonce can be
 * told apart (stale) from a wrong one.
 */
export function verifyDigestResponse(
  credentials: DigestCredentials,
  expected: { readonly ha1: string; readonly method: string; readonly realm: string; readonly requestUri: string },
): boolean {
  if (credentials.realm !== expected.realm) return false;
  if (!sameRequestUri(credentials.uri, expected.requestUri)) return false;
  const computed = digestResponse({
    ha1: expected.ha1,
    method: expected.method,
    uri: credentials.uri,
    nonce: credentials.nonce,
    algorithm: credentials.algorithm,
    ...(credentials.qop && { qop: credentials.qop, nc: credentials.nc!, cnonce: credentials.cnonce! }),
    ...(!credentials.qop && credentials.cnonce !== undefined && { cnonce: credentials.cnonce }),
  });
  const given = Buffer.from(credentials.response.toLowerCase(), 'ascii');
  return given.length === 32 && timingSafeEqual(Buffer.from(computed, 'ascii'), given);
}

/** The path (and query) of an absolute `rtsp://host[:port]/path` URL, or the text itself. */
function pathOf(uri: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(uri);
  const path = match ? match[1]! : uri;
  return path === '' ? '/' : path;
}

/**
 * Clients disagree on the digest-uri: QuickTime, ffmpeg and live555 send the absolute
 * URL of the request line, some send only its path. Both name the same resource when
 * their paths (with query) agree, ignoring one trailing slash.
 */
export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const strip = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p);
  return strip(pathOf(digestUri)) === strip(pathOf(requestUri));
}

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  /** The credentials were right but the nonce too old: retry without asking the user. */
  readonly stale?: boolean;
  /** Offer `qop="auth"` (nonce-count replay protection for clients that use it). */
  readonly qop?: boolean;
  readonly opaque?: string;
}

/** `Digest realm="…", nonce="…"[, qop="auth"][, opaque="…"][, stale="true"]` (stale quoted, as DSS wrote it). */
export function formatDigestChallenge(challenge: DigestChallenge): string {
  const parts = [`realm=${quoteString(challenge.realm)}`, `nonce=${quoteString(challenge.nonce)}`];
  if (challenge.qop) parts.push('qop="auth"');
  if (challenge.opaque !== undefined) parts.push(`opaque=${quoteString(challenge.opaque)}`);
  if (challenge.stale) parts.push('stale="true"');
  return `Digest ${parts.join(', ')}`;
}

/** Parses a Digest challenge (the client side; used by tests and future relay pushes). */
export function parseDigestChallenge(header: string): { realm: string; nonce: string; stale: boolean; qop: string[]; opaque?: string } | null {
  const split = splitScheme(header);
  if (!split || split.scheme.toLowerCase() !== 'digest') return null;
  const params = parseAuthParams(split.rest);
  const realm = params?.get('realm');
  const nonce = params?.get('nonce');
  if (!params || realm === undefined || nonce === undefined) return null;
  const opaque = params.get('opaque');
  return {
    realm,
    nonce,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    qop: (params.get('qop') ?? '')
      .split(',')
      .map((q) => q.trim())
      .filter(Boolean),
    ...(opaque !== undefined && { opaque }),
  };
}

/** A client's Authorization header for a challenge (tests, and pushing to another server). */
export function formatDigestAuthorization(input: {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
  opaque?: string;
  algorithm?: 'MD5' | 'MD5-sess';
}): string {
  const parts = [
    `username=${quoteString(input.username)}`,
    `realm=${quoteString(input.realm)}`,
    `nonce=${quoteString(input.nonce)}`,
    `uri=${quoteString(input.uri)}`,
  ];
  if (input.algorithm) parts.push(`algorithm=${input.algorithm}`);
  if (input.qop) parts.push(`qop=${input.qop}`, `nc=${input.nc ?? '00000001'}`, `cnonce=${quoteString(input.cnonce ?? '')}`);
  parts.push(`response=${quoteString(input.response)}`);
  if (input.opaque !== undefined) parts.push(`opaque=${quoteString(input.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
