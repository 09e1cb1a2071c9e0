import { z } from 'zod';

/**
 * Events of one RTSP session's life, written by its rtspSession actor to the stream
 * `session-<id>`. They carry what the access log and the connected-users view need,
 * so both are folds of these events.
 */
const transportName = z.enum(['UDP', 'TCP']);

export const SessionOpened = z.object({
  sessionId: z.string().min(1),
  clientAddress: z.string(),
  clientPort: z.number().int().min(0).max(65535),
  serverAddress: z.string(),
  userAgent: z.string().nullable(),
  url: z.string(),
  path: z.string(),
});

export const SessionDescribed = z.object({
  tracks: z.array(z.object({ trackId: z.number().int(), mediaType: z.string(), codec: z.string() })),
  durationSeconds: z.number().nonnegative().nullable(),
});

export const SessionTransportSetUp = z.object({
  trackId: z.number().int(),
  transport: transportName,
  clientRtpPort: z.number().int().nullable(),
  clientRtcpPort: z.number().int().nullable(),
  interleaved: z.tuple([z.number().int(), z.number().int()]).nullable(),
  ssrc: z.string().regex(/^[0-9A-F]{8}$/),
});

export const SessionAnnounced = z.object({
  tracks: z.array(z.object({ trackId: z.number().int(), mediaType: z.string(), codec: z.string() })),
});

export const SessionPlaying = z.object({
  /** Null for a live presentation (npt=now-). */
  rangeStart: z.number().nonnegative().nullable(),
  rangeEnd: z.number().nonnegative().nullable(),
});

export const SessionRecording = z.object({});

/** Counters sampled every few seconds while a session lives (the media plane only counts). */
export const SessionSampled = z.object({
  bytesSent: z.number().int().nonnegative(),
  packetsSent: z.number().int().nonnegative(),
  /** Percent of packets the client reports lost (RTCP), or null when it never said. */
  lossPercent: z.number().min(0).max(100).nullable(),
});

export const SessionPaused = z.object({
  at: z.number().nonnegative(),
});

export const SessionRequestRefused = z.object({
  method: z.string(),
  url: z.string(),
  status: z.number().int().min(300).max(599),
  reason: z.string(),
});

export const trackCounters = z.object({
  trackId: z.number().int(),
  packetsSent: z.number().int().nonnegative(),
  bytesSent: z.number().int().nonnegative(),
});

export const SessionClosed = z.object({
  reason: z.enum(['teardown', 'connection-closed', 'timeout', 'refused', 'error', 'shutdown', 'broadcast-ended']),
  /** The last RTSP status sent (QTSS c-status). */
  lastStatus: z.number().int(),
  durationMs: z.number().nonnegative(),
  transport: transportName.nullable(),
  bytesSent: z.number().int().nonnegative(),
  packetsSent: z.number().int().nonnegative(),
  tracks: z.array(trackCounters),
});

export const sessionEventSchemas = {
  SessionOpened,
  SessionDescribed,
  SessionAnnounced,
  SessionTransportSetUp,
  SessionRecording,
  SessionSampled,
  SessionPlaying,
  SessionPaused,
  SessionRequestRefused,
  SessionClosed,
} as const;

export type SessionEventType = keyof typeof sessionEventSchemas;
export type SessionEvent = {
  [K in SessionEventType]: { readonly type: K; readonly data: z.infer<(typeof sessionEventSchemas)[K]> };
}[SessionEventType];
