import type { StoredEvent } from '../events/storedEvent.js';
import { ExactSum } from './exactSum.js';
import { Ownership } from './ownedState.js';

/**
 * The connected-users view (QTSS admin): one row per open session, folded from the
 * session events. The same fold serves the live view, a replay from the start, and a
 * replay "as of" a past moment. O(1) per event: the fold owns its view and updates it
 * in place (see ownedState.ts); the rows themselves are never changed, only replaced.
 */
export interface ConnectedUser {
  readonly sessionId: string;
  readonly clientAddress: string;
  readonly userAgent: string | null;
  readonly path: string;
  readonly url: string;
  readonly transport: 'UDP' | 'TCP' | null;
  readonly state: 'described' | 'ready' | 'playing' | 'paused' | 'recording';
  /** ms since the epoch, from the store's record time of SessionOpened. */
  readonly connectedAt: number;
  readonly bytesSent: number;
  readonly packetsSent: number;
  readonly lossPercent: number | null;
  /** Bits per second between the last two samples. */
  readonly bitRate: number;
  readonly sampledAt: number;
}

export interface ConnectedUsersView {
  readonly users: ReadonlyMap<string, ConnectedUser>;
  /** Position of the last event folded in (a checkpoint). */
  readonly position: number;
}

/** The empty view: shared, never changed (a fold starts from a copy of it). */
export const emptyConnectedUsers: ConnectedUsersView = Object.freeze({ users: new Map<string, ConnectedUser>(), position: -1 });

interface OwnedView {
  readonly users: Map<string, ConnectedUser>;
  position: number;
  /** The users' bit rates summed as they change (the throughput chart wants it after every event). */
  readonly bitRates: ExactSum;
}

const views = new Ownership<ConnectedUsersView>((view) => {
  const bitRates = new ExactSum();
  for (const user of view.users.values()) bitRates.add(user.bitRate);
  return { users: new Map(view.users), position: view.position, bitRates } satisfies OwnedView;
});

/** The view to change in place: `view` itself when a fold made it, else a copy. */
export function ownConnectedUsers(view: ConnectedUsersView): OwnedView {
  return views.take(view) as OwnedView;
}

/** A copy of the view for a fold to own (for states that hold one). */
export function copyConnectedUsers(view: ConnectedUsersView): ConnectedUsersView {
  return views.copyOf(view);
}

/** Sum of the users' bit rates (bits per second), from their last two samples. O(1) for a view a fold made. */
export function totalBitRate(view: ConnectedUsersView): number {
  if ('bitRates' in view && view.bitRates instanceof ExactSum) return view.bitRates.value();
  const sum = new ExactSum();
  for (const user of view.users.values()) sum.add(user.bitRate);
  return sum.value();
}

/** Empties the view (a restart: every session of the run before is gone). */
export function clearConnectedUsers(view: ConnectedUsersView, position: number): ConnectedUsersView {
  const own = ownConnectedUsers(view);
  own.users.clear();
  own.bitRates.clear();
  own.position = position;
  return own;
}

function put(own: OwnedView, id: string, user: ConnectedUser | null): void {
  const before = own.users.get(id);
  if (before) own.bitRates.subtract(before.bitRate);
  if (user) {
    own.users.set(id, user);
    own.bitRates.add(user.bitRate);
  } else own.users.delete(id);
}

type Data = Record<string, unknown>;

/** Folds one event into the view, in place (the view belongs to the fold: use the one returned). */
export function foldConnectedUsers(view: ConnectedUsersView, event: StoredEvent): ConnectedUsersView {
  const own = ownConnectedUsers(view);
  own.position = event.position;
  if (!event.stream.startsWith('session-')) return own;
  const id = event.stream.slice('session-'.length);
  const data = event.data as Data;
  const current = own.users.get(id);
  switch (event.type) {
    case 'SessionOpened':
      put(own, id, {
        sessionId: id,
        clientAddress: String(data.clientAddress),
        userAgent: (data.userAgent as string | null) ?? null,
        path: String(data.path),
        url: String(data.url),
        transport: null,
        state: 'described',
        connectedAt: event.recordedAt,
        bytesSent: 0,
        packetsSent: 0,
        lossPercent: null,
        bitRate: 0,
        sampledAt: event.recordedAt,
      });
      break;
    case 'SessionTransportSetUp':
      if (current) put(own, id, { ...current, transport: data.transport as 'UDP' | 'TCP', state: current.state === 'described' ? 'ready' : current.state });
      break;
    case 'SessionPlaying':
      if (current) put(own, id, { ...current, state: 'playing' });
      break;
    case 'SessionPaused':
      if (current) put(own, id, { ...current, state: 'paused' });
      break;
    case 'SessionRecording':
      if (current) put(own, id, { ...current, state: 'recording' });
      break;
    case 'SessionSampled':
      if (current) {
        const bytes = Number(data.bytesSent);
        const seconds = (event.recordedAt - current.sampledAt) / 1000;
        put(own, id, {
          ...current,
          bytesSent: bytes,
          packetsSent: Number(data.packetsSent),
          lossPercent: (data.lossPercent as number | null) ?? null,
          bitRate: seconds > 0 ? Math.max(0, ((bytes - current.bytesSent) * 8) / seconds) : current.bitRate,
          sampledAt: event.recordedAt,
        });
      }
      break;
    case 'SessionClosed':
      put(own, id, null);
      break;
  }
  return own;
}

/** Folds events up to and including `atMs` (record time): the view as it stood then. */
export function connectedUsersAt(events: Iterable<StoredEvent>, atMs = Infinity): ConnectedUsersView {
  let view = emptyConnectedUsers;
  for (const event of events) {
    if (event.recordedAt > atMs) break;
    view = foldConnectedUsers(view, event);
  }
  return view;
}
