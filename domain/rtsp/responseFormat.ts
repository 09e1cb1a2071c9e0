import type { RtspResponse } from './rtspMessage.js';
import { reasonPhrase } from './statusCodes.js';

/**
 * Serializes a response. Content-Length is derived from the body, so callers never
 * set it; a header value containing CR or LF is refused rather than written, since
 * it would let one header smuggle another.
 */
export function formatResponse(res: RtspResponse, version = 'RTSP/1.0'): Buffer {
  const body = res.body ?? Buffer.alloc(0);
  let head = `${version} ${res.status} ${res.reason ?? reasonPhrase(res.status)}\r\n`;
  for (const [name, value] of res.headers) {
    if (name.toLowerCase() === 'content-length') continue;
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} contains a line break`);
    head += `${name}: ${value}\r\n`;
  }
  if (body.length > 0) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body.length > 0 ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/** Serializes a request (the server as a client: relay pulls, tests, the load client). */
export function formatRequest(method: string, uri: string, headers: Iterable<readonly [string, string]>, body?: Buffer | string): Buffer {
  const bytes = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : body;
  let head = `${method} ${uri} RTSP/1.0\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  if (bytes.length > 0) head += `Content-Length: ${bytes.length}\r\n`;
  head += '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}
