import type { StoredEvent } from '../events/storedEvent.js';
import { copyConnectedUsers, emptyConnectedUsers, type ConnectedUsersView } from './connectedUsers.js';
import { foldLiveUsers, totalBitRate } from './liveUsers.js';
import { BoundedList, Ownership, type ReadonlyBoundedList } from './ownedState.js';

/**
 * Throughput and connections over time, for the chart: after every event that
 * touches sessions, the current totals are recorded in a time bucket (the last
 * value in a bucket wins). Between points nothing changed, so the chart draws
 * steps. Bounded: the oldest points fall off. The fold owns its state and changes
 * it in place, O(1) per event (ownedState.ts); the presenter copies the points.
 */
export interface ThroughputPoint {
  /** Start of the bucket, ms since the epoch. */
  readonly t: number;
  readonly connections: number;
  readonly bitsPerSecond: number;
}

export interface ThroughputHistoryState {
  readonly users: ConnectedUsersView;
  /** The points, oldest first. */
  readonly points: ReadonlyBoundedList<ThroughputPoint>;
  readonly position: number;
}

export const THROUGHPUT_BUCKET_MS = 1_000;
export const THROUGHPUT_MAX_POINTS = 2_000;

export const emptyThroughputHistory: ThroughputHistoryState = Object.freeze({ users: emptyConnectedUsers, points: new BoundedList<ThroughputPoint>(THROUGHPUT_MAX_POINTS), position: -1 });

interface OwnedHistory {
  users: ConnectedUsersView;
  readonly points: BoundedList<ThroughputPoint>;
  position: number;
}

const histories = new Ownership<ThroughputHistoryState>((state) => ({
  users: copyConnectedUsers(state.users),
  points: new BoundedList(THROUGHPUT_MAX_POINTS, state.points.items()),
  position: state.position,
}) satisfies OwnedHistory);

export function foldThroughputHistory(state: ThroughputHistoryState, event: StoredEvent): ThroughputHistoryState {
  const own = histories.take(state) as OwnedHistory;
  own.users = foldLiveUsers(own.users, event);
  own.position = event.position;
  const touches = event.stream.startsWith('session-') || event.type === 'ServerStarted' || event.type === 'ServerStopped';
  if (!touches) return own;
  const point: ThroughputPoint = {
    t: Math.floor(event.recordedAt / THROUGHPUT_BUCKET_MS) * THROUGHPUT_BUCKET_MS,
    connections: event.type === 'ServerStopped' ? 0 : own.users.users.size,
    bitsPerSecond: event.type === 'ServerStopped' ? 0 : Math.round(totalBitRate(own.users)),
  };
  const last = own.points.last();
  if (last && last.t === point.t) own.points.replaceLast(point);
  else if (!(last && last.connections === point.connections && last.bitsPerSecond === point.bitsPerSecond)) own.points.push(point);
  return own;
}

export interface ThroughputHistoryDto {
  readonly asOf: string;
  readonly bucketSeconds: number;
  readonly points: readonly ThroughputPoint[];
}

export function presentThroughputHistory(state: ThroughputHistoryState, nowMs: number): ThroughputHistoryDto {
  return { asOf: new Date(nowMs).toISOString(), bucketSeconds: THROUGHPUT_BUCKET_MS / 1000, points: state.points.items() };
}
