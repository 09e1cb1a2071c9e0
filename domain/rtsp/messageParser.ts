import { HeaderList } from './headerList.js';
import type { RtspRequest, RtspResponseMessage } from './rtspMessage.js';

/**
 * Incremental parser for one RTSP connection's byte stream: requests (or responses,
 * when we are the client), possibly split across TCP segments or pipelined in one,
 * interleaved with `$`-framed binary data (RTP/RTCP over TCP, RFC 2326 §10.12).
 *
 * A framing error is fatal to the stream (there is no way to find the next message),
 * so after an `error` item the parser yields nothing more; the connection should
 * answer it and close, which harms no other client.
 */
export type ParsedItem =
  | { readonly kind: 'request'; readonly request: RtspRequest }
  | { readonly kind: 'response'; readonly response: RtspResponseMessage }
  | { readonly kind: 'interleaved'; readonly channel: number; readonly payload: Buffer }
  /** Bytes after an HTTP POST head: the base64 request stream of an RTSP-over-HTTP tunnel. */
  | { readonly kind: 'raw'; readonly bytes: Buffer }
  | { readonly kind: 'error'; readonly status: 400 | 413 | 505; readonly message: string };

export interface ParserLimits {
  /** Request line plus headers, in bytes. */
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  readonly maxBodyBytes: number;
}

export const defaultParserLimits: ParserLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 64,
  maxBodyBytes: 1024 * 1024,
};

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;

export class MessageParser {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;
  /** After an HTTP POST head everything is opaque body (QuickTime tunnelling never ends it). */
  private raw = false;

  constructor(private readonly limits: ParserLimits = defaultParserLimits) {}

  /** Feeds bytes and returns every complete item they finish. */
  push(chunk: Buffer): ParsedItem[] {
    if (this.failed) return [];
    if (this.raw) return chunk.length > 0 ? [{ kind: 'raw', bytes: chunk }] : [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const items: ParsedItem[] = [];
    for (;;) {
      if (this.raw) {
        if (this.buffer.length > 0) items.push({ kind: 'raw', bytes: this.buffer });
        this.buffer = Buffer.alloc(0);
        break;
      }
      const item = this.next();
      if (item === null) break;
      items.push(item);
      if (item.kind === 'error') {
        this.failed = true;
        this.buffer = Buffer.alloc(0);
        break;
      }
    }
    return items;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.buffer.length;
  }

  private next(): ParsedItem | null {
    // Stray line breaks between messages are tolerated (some clients send them as keepalives).
    let start = 0;
    while (start < this.buffer.length && (this.buffer[start] === CR || this.buffer[start] === LF)) start++;
    if (start > 0) this.buffer = this.buffer.subarray(start);
    if (this.buffer.length === 0) return null;

    if (this.buffer[0] === DOLLAR) return this.nextInterleaved();
    return this.nextMessage();
  }

  private nextInterleaved(): ParsedItem | null {
    if (this.buffer.length < 4) return null;
    const channel = this.buffer[1]!;
    const length = this.buffer.readUInt16BE(2);
    if (this.buffer.length < 4 + length) return null;
    // Copy: the payload outlives this chunk and must not pin a larger buffer.
    const payload = Buffer.from(this.buffer.subarray(4, 4 + length));
    this.buffer = this.buffer.subarray(4 + length);
    return { kind: 'interleaved', channel, payload };
  }

  private nextMessage(): ParsedItem | null {
    const headerEnd = findHeaderEnd(this.buffer, this.limits.maxHeaderBytes);
    if (headerEnd === null) {
      if (this.buffer.length > this.limits.maxHeaderBytes) {
        return { kind: 'error', status: 400, message: `header section exceeds ${this.limits.maxHeaderBytes} bytes` };
      }
      return null;
    }
    const head = this.buffer.subarray(0, headerEnd.headEnd).toString('latin1').replace(/\r$/, '');
    const lines = head.split(/\r?\n/);
    const startLine = lines.shift() ?? '';

    const fields: Array<[string, string]> = [];
    for (const line of lines) {
      if (line === '') continue;
      const previous = fields[fields.length - 1];
      if ((line[0] === ' ' || line[0] === '\t') && previous !== undefined) {
        // Obsolete line folding: the value continues.
        previous[1] = `${previous[1]} ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) return { kind: 'error', status: 400, message: `malformed header line: ${truncate(line)}` };
      const name = line.slice(0, colon).trim();
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
        return { kind: 'error', status: 400, message: `malformed header name: ${truncate(name)}` };
      }
      if (fields.length >= this.limits.maxHeaderCount) {
        return { kind: 'error', status: 400, message: `more than ${this.limits.maxHeaderCount} headers` };
      }
      fields.push([name, line.slice(colon + 1).trim()]);
    }
    const headers = new HeaderList(fields);

    const startIsHttpRequest = / HTTP\/\d\.\d$/.test(startLine);
    if (startIsHttpRequest) {
      // Tunnelling GET/POST: the Content-Length of a POST is a fake (often 32767) and
      // its body an endless base64 stream, so the head ends the message here.
      this.buffer = this.buffer.subarray(headerEnd.bodyStart);
      const request = /^([A-Za-z_][A-Za-z0-9_-]*) (\S+) (HTTP\/\d\.\d)$/.exec(startLine);
      if (!request) return { kind: 'error', status: 400, message: `malformed request line: ${truncate(startLine)}` };
      if (request[1] === 'POST') this.raw = true;
      return { kind: 'request', request: { method: request[1]!, uri: request[2]!, version: request[3]!, headers, body: Buffer.alloc(0) } };
    }

    const lengthText = headers.get('Content-Length');
    let bodyLength = 0;
    if (lengthText !== undefined) {
      if (!/^\d{1,12}$/.test(lengthText)) return { kind: 'error', status: 400, message: `bad Content-Length: ${truncate(lengthText)}` };
      bodyLength = Number(lengthText);
      if (bodyLength > this.limits.maxBodyBytes) {
        return { kind: 'error', status: 413, message: `body of ${bodyLength} bytes exceeds ${this.limits.maxBodyBytes}` };
      }
    }
    const total = headerEnd.bodyStart + bodyLength;
    if (this.buffer.length < total) return null;
    const body = Buffer.from(this.buffer.subarray(headerEnd.bodyStart, total));
    this.buffer = this.buffer.subarray(total);

    const response = /^(RTSP|HTTP)\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(startLine);
    if (response) {
      return {
        kind: 'response',
        response: { version: `${response[1]}/${response[2]}.${response[3]}`, status: Number(response[4]), reason: response[5] ?? '', headers, body },
      };
    }
    const request = /^([A-Za-z_][A-Za-z0-9_-]*) (\S+) ((RTSP|HTTP)\/\d\.\d)$/.exec(startLine);
    if (!request) return { kind: 'error', status: 400, message: `malformed request line: ${truncate(startLine)}` };
    const version = request[3]!;
    if (version.startsWith('RTSP/') && version !== 'RTSP/1.0') {
      return { kind: 'error', status: 505, message: `version ${version} not supported` };
    }
    return { kind: 'request', request: { method: request[1]!, uri: request[2]!, version, headers, body } };
  }
}

/** Position of the blank line ending the header section (CRLFCRLF, or bare LFLF from lax clients). */
function findHeaderEnd(buffer: Buffer, maxHeaderBytes: number): { headEnd: number; bodyStart: number } | null {
  const limit = Math.min(buffer.length, maxHeaderBytes + 4);
  for (let i = 0; i < limit; i++) {
    if (buffer[i] !== LF) continue;
    if (buffer[i + 1] === LF) return { headEnd: i, bodyStart: i + 2 };
    if (buffer[i + 1] === CR && buffer[i + 2] === LF) return { headEnd: i, bodyStart: i + 3 };
  }
  return null;
}

function truncate(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
