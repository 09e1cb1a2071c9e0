import { assign, fromPromise, setup } from 'xstate';
import { parseRange } from '../../domain/rtsp/headers/range.js';
import { formatRange } from '../../domain/rtsp/headers/range.js';
import { formatRtpInfo } from '../../domain/rtsp/headers/rtpInfo.js';
import { formatSession } from '../../domain/rtsp/headers/session.js';
import { parseTransportList } from '../../domain/rtsp/headers/transport.js';
import type { RequestTarget } from '../../domain/rtsp/requestTarget.js';
import { response, type RtspRequest, type RtspResponse } from '../../domain/rtsp/rtspMessage.js';
import type { SessionEvent, SessionOpened } from '../../domain/events/sessionEvents.js';
import type { z } from 'zod';

export type SessionOpenedData = z.infer<typeof SessionOpened>;
import {
  RtspError,
  type AnnouncedInfo,
  type ConnectionRef,
  type PlaybackStarted,
  type PresentationInfo,
  type SessionMedia,
  type TrackSetupResult,
} from './sessionMedia.js';

/**
 * One RTSP session: idle → described → ready → playing ⇄ paused → closed.
 * The connection adapter feeds it one request at a time and waits for the reply, so
 * a state that is busy with async work never sees a second request. Every change of
 * state is recorded as a domain event through the injected `record` action.
 */
type PathTarget = Extract<RequestTarget, { kind: 'path' }>;

export interface RequestEvent {
  readonly type: 'REQUEST';
  readonly request: RtspRequest;
  readonly target: PathTarget;
  readonly origin: ConnectionRef;
  readonly respond: (res: RtspResponse) => void;
}

export type SessionEventInput =
  | RequestEvent
  | { readonly type: 'CONNECTION_CLOSED'; readonly connectionId: string }
  | { readonly type: 'TIMEOUT' }
  /** The media ended under the session (a live broadcast is over). */
  | { readonly type: 'MEDIA_ENDED' }
  /** Time to record the counters (sent by the registry every few seconds). */
  | { readonly type: 'SAMPLE' }
  | { readonly type: 'SHUTDOWN' };

export type CloseReason = 'teardown' | 'connection-closed' | 'timeout' | 'refused' | 'error' | 'shutdown' | 'broadcast-ended';

export interface SessionInputData {
  readonly sessionId: string;
  readonly media: SessionMedia;
  readonly timeoutSeconds: number;
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly now: () => number;
  /** What the SessionOpened event records. */
  readonly opened: SessionOpenedData;
  /**
   * Appends a domain event to the session's stream. Given as input rather than with
   * machine.provide(): provide() builds a whole new machine (every state node) per
   * session, which was most of XState's share of a session's set-up time.
   */
  readonly record?: (event: SessionEvent) => void;
}

export interface SessionContext {
  readonly sessionId: string;
  readonly media: SessionMedia;
  readonly timeoutSeconds: number;
  readonly now: () => number;
  readonly record: ((event: SessionEvent) => void) | undefined;
  readonly openedAt: number;
  readonly presentation: PresentationInfo | null;
  readonly tracksSetUp: readonly TrackSetupResult[];
  /** The request being worked on by an invoked promise. */
  readonly pending: RequestEvent | null;
  /** Once a SETUP succeeded the client knows the id and every reply carries it. */
  readonly established: boolean;
  readonly lastStatus: number;
  readonly closeReason: CloseReason;
  /** Position in seconds at the last PAUSE. */
  readonly pausedAt: number;
  readonly opened: SessionOpenedData;
}

function sessionHeader(context: SessionContext): Array<[string, string]> {
  return context.established ? [['Session', formatSession({ id: context.sessionId, timeout: context.timeoutSeconds })]] : [];
}

/** A refusal carries its reason as a line of text, so a person reading the exchange learns why. */
function errorResponse(error: unknown): RtspResponse {
  if (error instanceof RtspError) return response(error.status, [...error.headers, ['Content-Type', 'text/plain']], `${error.message}\r\n`);
  return response(500);
}

function describeResponse(context: SessionContext, event: RequestEvent, presentation: PresentationInfo): RtspResponse {
  return response(
    200,
    [
      ['Content-Base', `${event.target.presentationUri}/`],
      ['Content-Type', 'application/sdp'],
      ['x-Accept-Retransmit', 'our-retransmit'],
      ['x-Accept-Dynamic-Rate', '1'],
      ...sessionHeader(context),
    ],
    presentation.sdp,
  );
}

function trackUrl(event: RequestEvent, trackId: number): string {
  return `${event.target.presentationUri}/trackID=${trackId}`;
}

/** Reply to the pending request and remember the status for the access log. */
const replyPending = (context: SessionContext, res: RtspResponse): { lastStatus: number } => {
  context.pending?.respond(res);
  return { lastStatus: res.status };
};

/** 460: per-track URLs are only for SETUP when the presentation has several tracks. Checked first in every state. */
const refuseTrackUrl = { guard: 'isNonAggregateOnMultiTrack', actions: 'answerAggregateOnly' } as const;

export const rtspSessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEventInput,
    input: {} as SessionInputData,
  },
  actions: {
    /** Appends a domain event to the session's stream, through the adapter's input.record. */
    record: ({ context }, event: SessionEvent) => {
      if (!context.record) throw new Error('record not provided');
      context.record(event);
    },
    stopMedia: ({ context }) => context.media.stop(),
    answerAggregateOnly: assign(({ context, event }) => {
      if (event.type === 'REQUEST') event.respond(response(460, sessionHeader(context)));
      return { lastStatus: 460 };
    }),
  },
  actors: {
    describe: fromPromise<PresentationInfo, { media: SessionMedia; path: string }>(({ input }) => input.media.describe(input.path)),
    setupTrack: fromPromise<TrackSetupResult, { media: SessionMedia; event: RequestEvent; presentation: PresentationInfo }>(
      async ({ input }) => {
        const { event, presentation } = input;
        const trackId = event.target.track;
        if (trackId === null && presentation.tracks.length !== 1) {
          throw new RtspError(459, 'SETUP needs a track URL');
        }
        const chosen = trackId ?? presentation.tracks[0]!.trackId;
        if (!presentation.tracks.some((t) => t.trackId === chosen)) throw new RtspError(404, `no track ${chosen}`);
        const header = event.request.headers.get('Transport');
        if (header === undefined) throw new RtspError(400, 'SETUP without Transport');
        const { specs } = parseTransportList(header);
        if (specs.length === 0) throw new RtspError(461, 'no transport in the list is understood');
        return input.media.setupTrack(chosen, specs, event.origin);
      },
    ),
    startPlayback: fromPromise<PlaybackStarted, { media: SessionMedia; start: number | null; end: number | null; speed: number | undefined }>(({ input }) =>
      input.media.play({ start: input.start, end: input.end, ...(input.speed === undefined ? {} : { speed: input.speed }) }),
    ),
    announce: fromPromise<AnnouncedInfo, { media: SessionMedia; event: RequestEvent }>(async ({ input }) => {
      const { request, target, origin } = input.event;
      const type = request.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/sdp') throw new RtspError(415, `ANNOUNCE needs an application/sdp body, got ${type ?? 'none'}`);
      return input.media.announce(target.path, request.body.toString('utf8'), origin);
    }),
    startRecording: fromPromise<void, { media: SessionMedia }>(({ input }) => input.media.record()),
  },
  guards: {
    isMethod: ({ event }, method: string) => event.type === 'REQUEST' && event.request.method === method,
    isPlayWithRange: ({ event }) => event.type === 'REQUEST' && event.request.method === 'PLAY' && event.request.headers.has('Range'),
    /** Per-track URLs are only for SETUP when the presentation has several tracks (460). */
    isNonAggregateOnMultiTrack: ({ context, event }) =>
      event.type === 'REQUEST' &&
      event.request.method !== 'SETUP' &&
      event.target.track !== null &&
      (context.presentation?.tracks.length ?? 0) > 1,
    connectionMatters: ({ context, event }) =>
      event.type === 'CONNECTION_CLOSED' && (!context.established || context.media.dependsOnConnection(event.connectionId)),
  },
}).createMachine({
  id: 'rtspSession',
  context: ({ input }) => ({
    sessionId: input.sessionId,
    media: input.media,
    timeoutSeconds: input.timeoutSeconds,
    now: input.now,
    record: input.record,
    openedAt: input.now(),
    presentation: null,
    tracksSetUp: [],
    pending: null,
    established: false,
    lastStatus: 0,
    closeReason: 'error',
    pausedAt: 0,
    opened: input.opened,
  }),
  entry: { type: 'record', params: ({ context }) => ({ type: 'SessionOpened' as const, data: context.opened }) },
  initial: 'active',
  states: {
    active: {
      initial: 'idle',
      on: {
        REQUEST: [
          refuseTrackUrl,
          {
            guard: { type: 'isMethod', params: 'TEARDOWN' },
            target: 'closed',
            actions: assign(({ context, event }) => {
              event.respond(response(200, sessionHeader(context)));
              return { lastStatus: 200, closeReason: 'teardown' as const };
            }),
          },
          {
            // Keepalives: ffmpeg, VLC and live555 send GET_PARAMETER or OPTIONS every timeout/2.
            guard: ({ event }) => ['GET_PARAMETER', 'SET_PARAMETER', 'OPTIONS'].includes(event.request.method),
            actions: ({ context, event }) => event.respond(response(200, sessionHeader(context))),
          },
          {
            actions: assign(({ context, event }) => {
              event.respond(response(455, [...sessionHeader(context), ['Allow', 'OPTIONS, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER']]));
              return { lastStatus: 455 };
            }),
          },
        ],
        TIMEOUT: { target: 'closed', actions: assign({ closeReason: 'timeout' as const }) },
        MEDIA_ENDED: { target: 'closed', actions: assign({ closeReason: 'broadcast-ended' as const }) },
        SAMPLE: {
          actions: {
            type: 'record',
            params: ({ context }) => {
              const counters = context.media.counters();
              return {
                type: 'SessionSampled' as const,
                data: { bytesSent: counters.bytesSent, packetsSent: counters.packetsSent, lossPercent: counters.lossPercent ?? null },
              };
            },
          },
        },
        SHUTDOWN: { target: 'closed', actions: assign({ closeReason: 'shutdown' as const }) },
        CONNECTION_CLOSED: { guard: 'connectionMatters', target: 'closed', actions: assign({ closeReason: 'connection-closed' as const }) },
      },
      states: {
        idle: {
          on: {
            REQUEST: [
              { guard: { type: 'isMethod', params: 'DESCRIBE' }, target: 'describing', actions: assign({ pending: ({ event }) => event }) },
              { guard: { type: 'isMethod', params: 'SETUP' }, target: 'opening', actions: assign({ pending: ({ event }) => event }) },
              { guard: { type: 'isMethod', params: 'ANNOUNCE' }, target: 'announcing', actions: assign({ pending: ({ event }) => event }) },
            ],
          },
        },
        announcing: {
          invoke: {
            src: 'announce',
            input: ({ context }) => ({ media: context.media, event: context.pending! }),
            onDone: {
              target: 'described',
              actions: [
                assign(({ context, event }) => ({
                  presentation: { sdp: '', tracks: event.output.tracks, durationSeconds: null },
                  pending: null,
                  ...replyPending(context, response(200)),
                })),
                { type: 'record', params: ({ event }) => ({ type: 'SessionAnnounced' as const, data: { tracks: [...event.output.tracks] } }) },
              ],
            },
            onError: { target: '#rtspSession.refused' },
          },
        },
        startingRecord: {
          invoke: {
            src: 'startRecording',
            input: ({ context }) => ({ media: context.media }),
            onDone: {
              target: 'recording',
              actions: [
                assign(({ context }) => ({ pending: null, ...replyPending(context, response(200, sessionHeader(context))) })),
                { type: 'record', params: () => ({ type: 'SessionRecording' as const, data: {} }) },
              ],
            },
            onError: {
              target: 'ready',
              actions: assign(({ context, event }) => ({ pending: null, ...replyPending(context, withSession(context, errorResponse(event.error))) })),
            },
          },
        },
        recording: {},
        describing: {
          invoke: {
            src: 'describe',
            input: ({ context }) => ({ media: context.media, path: context.pending!.target.path }),
            onDone: {
              target: 'described',
              actions: [
                assign(({ context, event }) => ({
                  presentation: event.output,
                  pending: null,
                  ...replyPending(context, describeResponse(context, context.pending!, event.output)),
                })),
                {
                  type: 'record',
                  params: ({ event }) => ({
                    type: 'SessionDescribed' as const,
                    data: { tracks: [...event.output.tracks], durationSeconds: event.output.durationSeconds },
                  }),
                },
              ],
            },
            onError: { target: '#rtspSession.refused' },
          },
        },
        opening: {
          invoke: {
            src: 'describe',
            input: ({ context }) => ({ media: context.media, path: context.pending!.target.path }),
            onDone: { target: 'settingUp', actions: assign({ presentation: ({ event }) => event.output }) },
            onError: { target: '#rtspSession.refused' },
          },
        },
        described: {
          on: {
            REQUEST: [
              { guard: { type: 'isMethod', params: 'SETUP' }, target: 'settingUp', actions: assign({ pending: ({ event }) => event }) },
              { guard: { type: 'isMethod', params: 'DESCRIBE' }, target: 'describing', actions: assign({ pending: ({ event }) => event }) },
            ],
          },
        },
        settingUp: {
          invoke: {
            src: 'setupTrack',
            input: ({ context }) => ({ media: context.media, event: context.pending!, presentation: context.presentation! }),
            onDone: {
              target: 'ready',
              actions: [
                assign(({ context, event }) => {
                  const next = { ...context, established: true };
                  const res = response(200, [['Transport', event.output.transportHeader], ...sessionHeader(next)]);
                  return {
                    established: true,
                    tracksSetUp: [...context.tracksSetUp.filter((t) => t.trackId !== event.output.trackId), event.output],
                    pending: null,
                    ...replyPending(context, res),
                  };
                }),
                {
                  type: 'record',
                  params: ({ event }) => ({
                    type: 'SessionTransportSetUp' as const,
                    data: {
                      trackId: event.output.trackId,
                      transport: event.output.transport,
                      clientRtpPort: event.output.clientRtpPort,
                      clientRtcpPort: event.output.clientRtcpPort,
                      interleaved: event.output.interleaved === null ? null : [...event.output.interleaved] as [number, number],
                      ssrc: event.output.ssrc,
                    },
                  }),
                },
              ],
            },
            onError: [
              // A failed SETUP leaves the session as it was: the client may try another transport.
              {
                guard: ({ context }) => context.tracksSetUp.length > 0,
                target: 'ready',
                actions: assign(({ context, event }) => ({ pending: null, ...replyPending(context, withSession(context, errorResponse(event.error))) })),
              },
              {
                target: 'described',
                actions: assign(({ context, event }) => ({ pending: null, ...replyPending(context, withSession(context, errorResponse(event.error))) })),
              },
            ],
          },
        },
        ready: {
          on: {
            REQUEST: [
              refuseTrackUrl,
              { guard: { type: 'isMethod', params: 'SETUP' }, target: 'settingUp', actions: assign({ pending: ({ event }) => event }) },
              { guard: { type: 'isMethod', params: 'PLAY' }, target: 'starting', actions: assign({ pending: ({ event }) => event }) },
              { guard: { type: 'isMethod', params: 'RECORD' }, target: 'startingRecord', actions: assign({ pending: ({ event }) => event }) },
              {
                guard: { type: 'isMethod', params: 'PAUSE' },
                actions: assign(({ context, event }) => {
                  event.respond(response(200, sessionHeader(context)));
                  return { lastStatus: 200 };
                }),
              },
            ],
          },
        },
        starting: {
          invoke: {
            src: 'startPlayback',
            input: ({ context }) => {
              const header = context.pending!.request.headers.get('Range');
              const range = header === undefined ? null : parseRange(header);
              const start = range && range.unit === 'npt' && range.start !== 'now' ? range.start : null;
              const end = range && range.unit === 'npt' && range.end !== undefined ? range.end : null;
              const speedText = context.pending!.request.headers.get('Speed');
              const speed = speedText !== undefined && /^\d+(\.\d+)?$/.test(speedText.trim()) ? Number(speedText) : undefined;
              return { media: context.media, start, end, speed };
            },
            onDone: {
              target: 'playing',
              actions: [
                assign(({ context, event }) => {
                  const pending = context.pending!;
                  const rtpInfo = event.output.rtpInfo.map((item) => ({
                    url: trackUrl(pending, item.trackId),
                    seq: item.seq,
                    rtptime: item.rtptime,
                  }));
                  const res = response(200, [
                    ['Range', formatRange({ start: event.output.rangeStart, ...(event.output.rangeEnd === null ? {} : { end: event.output.rangeEnd }) })],
                    ...sessionHeader(context),
                    ...(rtpInfo.length > 0 ? [['RTP-Info', formatRtpInfo(rtpInfo)] as [string, string]] : []),
                    ...(event.output.speed === undefined ? [] : [['Speed', event.output.speed.toFixed(1)] as [string, string]]),
                  ]);
                  return { pending: null, ...replyPending(context, res) };
                }),
                {
                  type: 'record',
                  params: ({ event }) => ({
                    type: 'SessionPlaying' as const,
                    data: { rangeStart: event.output.rangeStart === 'now' ? null : event.output.rangeStart, rangeEnd: event.output.rangeEnd },
                  }),
                },
              ],
            },
            onError: {
              target: 'ready',
              actions: assign(({ context, event }) => ({ pending: null, ...replyPending(context, withSession(context, errorResponse(event.error))) })),
            },
          },
        },
        playing: {
          on: {
            REQUEST: [
              refuseTrackUrl,
              { guard: 'isPlayWithRange', target: 'starting', actions: assign({ pending: ({ event }) => event }) },
              {
                // PLAY while playing with no Range is a keepalive.
                guard: { type: 'isMethod', params: 'PLAY' },
                actions: ({ context, event }) => event.respond(response(200, sessionHeader(context))),
              },
              {
                guard: { type: 'isMethod', params: 'PAUSE' },
                target: 'paused',
                actions: [
                  assign(({ context, event }) => {
                    const at = context.media.pause();
                    event.respond(response(200, sessionHeader(context)));
                    return { lastStatus: 200, pausedAt: at };
                  }),
                  { type: 'record', params: ({ context }) => ({ type: 'SessionPaused' as const, data: { at: context.pausedAt } }) },
                ],
              },
            ],
          },
        },
        paused: {
          on: {
            REQUEST: [
              refuseTrackUrl,
              { guard: { type: 'isMethod', params: 'PLAY' }, target: 'starting', actions: assign({ pending: ({ event }) => event }) },
              {
                guard: { type: 'isMethod', params: 'PAUSE' },
                actions: ({ context, event }) => event.respond(response(200, sessionHeader(context))),
              },
            ],
          },
        },
      },
    },
    refused: {
      // DESCRIBE or the first SETUP failed before the session existed for the client.
      always: {
        target: 'closed',
        actions: assign(({ context }) => ({ closeReason: 'refused' as const, pending: null })),
      },
      entry: [
        assign(({ context, event }) => {
          const error = (event as unknown as { error: unknown }).error;
          const res = errorResponse(error);
          return { ...replyPending(context, res) };
        }),
        {
          type: 'record',
          params: ({ context, event }) => {
            const error = (event as unknown as { error: unknown }).error;
            const pending = context.pending!;
            return {
              type: 'SessionRequestRefused' as const,
              data: {
                method: pending.request.method,
                url: pending.request.uri,
                status: error instanceof RtspError ? error.status : 500,
                reason: error instanceof Error ? error.message : String(error),
              },
            };
          },
        },
      ],
    },
    closed: {
      type: 'final',
      entry: [
        'stopMedia',
        {
          type: 'record',
          params: ({ context }) => {
            const counters = context.media.counters();
            return {
              type: 'SessionClosed' as const,
              data: {
                reason: context.closeReason,
                lastStatus: context.lastStatus,
                durationMs: Math.max(0, context.now() - context.openedAt),
                transport: counters.transport,
                bytesSent: counters.bytesSent,
                packetsSent: counters.packetsSent,
                tracks: counters.tracks.map((t) => ({ ...t })),
              },
            };
          },
        },
      ],
    },
  },
});

function withSession(context: SessionContext, res: RtspResponse): RtspResponse {
  for (const [name, value] of sessionHeader(context)) res.headers.set(name, value);
  return res;
}

export type RtspSessionMachine = typeof rtspSessionMachine;
