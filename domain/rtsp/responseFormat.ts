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

