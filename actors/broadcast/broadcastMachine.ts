import { assign, setup } from 'xstate';
import type { BroadcastEvent } from '../../domain/events/broadcastEvents.js';

/**
 * One live path: waiting → live ⇄ lost → ended. The media plane never talks to it per
 * packet: a once-a-second sampler tells it whether packets arrived (PACKETS) or how
 * long the source has been silent (SILENT). Losing the source says BYE to readers;
 * after the grace period they are ended too, unless settings keep them waiting for the
 * source to return.
 */
export type BroadcastInput =
  | { readonly type: 'PACKETS'; readonly total: number }
  | { readonly type: 'SILENT'; readonly forMs: number }
  | { readonly type: 'READERS'; readonly readers: number; readonly packetsIn: number; readonly dropped: number }
  | { readonly type: 'GONE'; readonly reason: 'publisher-left' | 'sdp-removed' | 'replaced' | 'shutdown' };

export interface BroadcastContext {
  readonly path: string;
  readonly graceMs: number;
  /** Keep readers through a loss and resume them when the source returns. */
  readonly keepReadersOnLoss: boolean;
  readonly packetsIn: number;
  readonly lastReaders: number;
  readonly endReason: 'publisher-left' | 'source-lost' | 'sdp-removed' | 'replaced' | 'shutdown';
}

export const broadcastMachine = setup({
  types: {
    context: {} as BroadcastContext,
    events: {} as BroadcastInput,
    input: {} as { path: string; graceMs: number; keepReadersOnLoss: boolean },
  },
  actions: {
    record: (_: unknown, _event: BroadcastEvent) => {
      throw new Error('record not provided');
    },
    /** RTCP BYE to every reader: the source is gone for now. */
    sayBye: () => {
      throw new Error('sayBye not provided');
    },
    /** Ends the hub: readers get BYE and their sessions end. */
    endHub: () => {
      throw new Error('endHub not provided');
    },
  },
  delays: {
    grace: ({ context }) => context.graceMs,
  },
  guards: {
    readersChanged: ({ context, event }) => event.type === 'READERS' && event.readers !== context.lastReaders,
  },
}).createMachine({
  id: 'broadcast',
  context: ({ input }) => ({
    path: input.path,
    graceMs: input.graceMs,
    keepReadersOnLoss: input.keepReadersOnLoss,
    packetsIn: 0,
    lastReaders: 0,
    endReason: 'publisher-left',
  }),
  initial: 'waiting',
  on: {
    GONE: { target: '.ended', actions: assign({ endReason: ({ event }) => event.reason }) },
    READERS: {
      guard: 'readersChanged',
      actions: [
        assign({ lastReaders: ({ event }) => event.readers, packetsIn: ({ event }) => event.packetsIn }),
        {
          type: 'record',
          params: ({ context, event }) => ({
            type: 'BroadcastReadersSampled' as const,
            data: { path: context.path, readers: event.readers, packetsIn: event.packetsIn, droppedForReaders: event.dropped },
          }),
        },
      ],
    },
  },
  states: {
    waiting: {
      on: {
        PACKETS: {
          target: 'live',
          actions: [
            assign({ packetsIn: ({ event }) => event.total }),
            { type: 'record', params: ({ context }) => ({ type: 'BroadcastStarted' as const, data: { path: context.path } }) },
          ],
        },
      },
    },
    live: {
      on: {
        PACKETS: { actions: assign({ packetsIn: ({ event }) => event.total }) },
        SILENT: {
          target: 'lost',
          actions: [
            'sayBye',
            { type: 'record', params: ({ context, event }) => ({ type: 'BroadcastSourceLost' as const, data: { path: context.path, silentForMs: event.forMs } }) },
          ],
        },
      },
    },
    lost: {
      after: {
        grace: {
          guard: ({ context }) => !context.keepReadersOnLoss,
          target: 'ended',
          actions: assign({ endReason: 'source-lost' as const }),
        },
      },
      on: {
        PACKETS: {
          target: 'live',
          actions: [
            assign({ packetsIn: ({ event }) => event.total }),
            { type: 'record', params: ({ context }) => ({ type: 'BroadcastResumed' as const, data: { path: context.path } }) },
          ],
        },
      },
    },
    ended: {
      type: 'final',
      entry: [
        'endHub',
        {
          type: 'record',
          params: ({ context }) => ({ type: 'BroadcastEnded' as const, data: { path: context.path, reason: context.endReason, packetsIn: context.packetsIn } }),
        },
      ],
    },
  },
});
