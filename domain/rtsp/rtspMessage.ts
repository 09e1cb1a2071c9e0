import { HeaderList } from './headerList.js';

/** An RTSP (or tunnelling HTTP) request as parsed from the wire. */
export interface RtspRequest {
  readonly method: string;
  readonly uri: string;
  /** 'RTSP/1.0', or 'HTTP/1.0' / 'HTTP/1.1' for QuickTime HTTP tunnelling. */
  readonly version: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** An RTSP response as parsed from the wire (the server acting as a client: relays, tests). */
export interface RtspResponseMessage {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
}

/** A response to write. */
export interface RtspResponse {
  readonly status: number;
  /** Defaults to the standard reason phrase for the status. */
  readonly reason?: string;
  readonly headers: HeaderList;
  readonly body?: Buffer;
}

export function response(status: number, headers: Iterable<readonly [string, string]> = [], body?: Buffer | string): RtspResponse {
  return {
    status,
    headers: new HeaderList(headers),
    ...(body === undefined ? {} : { body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body }),
  };
}

/** The CSeq of a request, or undefined when missing or not a number. */
export function cseqOf(request: RtspRequest): string | undefined {
  const value = request.headers.get('CSeq')?.trim();
  return value !== undefined && /^\d{1,10}$/.test(value) ? value : undefined;
}
