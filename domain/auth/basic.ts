import { quoteString, splitScheme } from './authParams.js';

/**
 * HTTP Basic authentication as RTSP uses it: `Authorization: Basic base64(user:pass)`
 * and the challenge `WWW-Authenticate: Basic realm="…"`. The password travels in the
 * clear; it is checked against the crypt(3) part of qtusers.
 */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses a whole `Basic …` header value; null when it is not well-formed Basic. */
export function parseBasicAuthorization(header: string): BasicCredentials | null {
  const split = splitScheme(header);
  if (!split || split.scheme.toLowerCase() !== 'basic') return null;
  return parseBasicToken(split.rest);
}

/** Decodes the base64 `user:password` token that follows `Basic `. */
export function parseBasicToken(token: string): BasicCredentials | null {
  if (token.length === 0 || token.length > 4096 || !BASE64.test(token) || token.length % 4 === 1) return null;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function formatBasicAuthorization(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export function formatBasicChallenge(realm: string): string {
  return `Basic realm=${quoteString(realm)}`;
}
