import { z } from 'zod';

/** Events of one live path, written by its broadcast actor to `broadcast-<path>`. */
export const BroadcastAnnounced = z.object({
  path: z.string().min(1),
  source: z.enum(['announce', 'sdp-file']),
  /** Who is sending: the publisher's address, or the SDP file's name. */
  origin: z.string(),
  tracks: z.array(z.object({ trackId: z.number().int(), mediaType: z.string(), encoding: z.string() })),
});
export const BroadcastStarted = z.object({ path: z.string() });
export const BroadcastSourceLost = z.object({ path: z.string(), silentForMs: z.number().nonnegative() });
export const BroadcastResumed = z.object({ path: z.string() });
export const BroadcastReadersSampled = z.object({
  path: z.string(),
  readers: z.number().int().nonnegative(),
  packetsIn: z.number().int().nonnegative(),
  droppedForReaders: z.number().int().nonnegative(),
});
export const BroadcastEnded = z.object({
  path: z.string(),
  reason: z.enum(['publisher-left', 'source-lost', 'sdp-removed', 'replaced', 'shutdown']),
  packetsIn: z.number().int().nonnegative(),
});

export const broadcastEventSchemas = {
  BroadcastAnnounced,
  BroadcastStarted,
  BroadcastSourceLost,
  BroadcastResumed,
  BroadcastReadersSampled,
  BroadcastEnded,
} as const;

export type BroadcastEventType = keyof typeof broadcastEventSchemas;
export type BroadcastEvent = {
  [K in BroadcastEventType]: { readonly type: K; readonly data: z.infer<(typeof broadcastEventSchemas)[K]> };
}[BroadcastEventType];
