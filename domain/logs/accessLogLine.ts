import { gmtDate, gmtTime, localCreatedOn } from './logTime.js';

/**
 * StreamingServer.log, QTSS's W3C extended access log: its header lines and one
 * line per client session, fields separated by spaces, `-` where unknown.
 */
export const ACCESS_LOG_FIELDS = [
  'c-ip', 'date', 'time', 'c-dns', 'cs-uri-stem', 'c-starttime', 'x-duration', 'c-rate', 'c-status', 'c-playerid',
  'c-playerversion', 'c-playerlanguage', 'cs(User-Agent)', 'c-os', 'c-osversion', 'c-cpu', 'filelength', 'filesize',
  'avgbandwidth', 'protocol', 'transport', 'audiocodec', 'videocodec', 'sc-bytes', 'cs-bytes', 'c-bytes', 's-pkts-sent',
  'c-pkts-received', 'c-pkts-lost-client', 'c-buffercount', 'c-totalbuffertime', 'c-quality', 's-ip', 's-dns',
  's-totalclients', 's-cpu-util', 'cs-uri-query', 'c-username', 'sc(Realm)',
] as const;

export const SOFTWARE_NAME = 'Streamhouse';

/** One access-log line's worth of facts; null is written `-`. */
export interface AccessLogEntry {
  readonly clientAddress: string;
  /** When the line was due (the closing or refusing event's record time). */
  readonly at: number;
  readonly uriStem: string;
  /** Where in the movie the client started (seconds), from its first PLAY range. */
  readonly startTime: number | null;
  readonly durationSeconds: number;
  readonly status: number | null;
  readonly userAgent: string | null;
  /** Movie length in seconds. */
  readonly fileLength: number | null;
  readonly avgBandwidth: number | null;
  readonly transport: 'UDP' | 'TCP' | null;
  readonly audioCodec: string | null;
  readonly videoCodec: string | null;
  readonly bytesSent: number | null;
  readonly packetsSent: number | null;
  readonly packetsReceived: number | null;
  readonly packetsLost: number | null;
  /** Percent of packets received. */
  readonly quality: number | null;
  readonly serverAddress: string | null;
  readonly totalClients: number;
  readonly query: string | null;
  readonly userName: string | null;
}

/** A field value: `-` when unknown; spaces (and anything that would split a field) %-escaped. */
export function accessField(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/[\s%\x00-\x1f\x7f]/g, (c) => (c === ' ' ? '%20' : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`));
}

export function formatAccessLogLine(e: AccessLogEntry): string {
  const fields = [
    e.clientAddress, gmtDate(e.at), gmtTime(e.at), null, e.uriStem, e.startTime, e.durationSeconds, 1, e.status,
    null, null, null, e.userAgent, null, null, null, e.fileLength, null,
    e.avgBandwidth, 'RTP', e.transport, e.audioCodec, e.videoCodec, e.bytesSent, null, null, e.packetsSent,
    e.packetsReceived, e.packetsLost, null, null, e.quality, e.serverAddress, null,
    e.totalClients, null, e.query, e.userName, null,
  ];
  return fields.map(accessField).join(' ');
}

/** The header QTSS put at the top of each new access log. */
export function accessLogHeader(createdAt: number, version: string): string[] {
  return [
    `#Log File Created On: ${localCreatedOn(createdAt)}`,
    `#Software: ${SOFTWARE_NAME}`,
    `#Version: ${version}`,
    `#Date: ${gmtDate(createdAt)} ${gmtTime(createdAt)}`,
    '#Remark: all time values are in GMT.',
    `#Fields: ${ACCESS_LOG_FIELDS.join(' ')}`,
  ];
}

export function accessLogStreamingRemark(kind: 'STARTUP' | 'SHUTDOWN', at: number): string {
  return `#Remark: Streaming beginning ${kind} ${gmtDate(at)} ${gmtTime(at)}`;
}

/** The path and query of a request URL: `rtsp://h:554/a/b.mp4?x=1` → `/a/b.mp4`, `x=1`. */
export function splitRequestUri(uri: string): { stem: string; query: string | null } {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(uri);
  let rest = absolute ? absolute[1]! : uri;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const stem = q >= 0 ? rest.slice(0, q) : rest;
  return { stem: stem === '' ? '/' : stem, query: q >= 0 && q < rest.length - 1 ? rest.slice(q + 1) : null };
}
