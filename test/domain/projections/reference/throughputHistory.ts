// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { emptyConnectedUsers, type ConnectedUsersView } from './connectedUsers.js';
import { foldLiveUsers, totalBitRate } from './liveUsers.js';

/**
 * Throughput and connections over time, for the chart: after every event that
 * touches sessions, the current totals are recorded in a time bucket (the last
 * value in a bucket wins). Between points nothing changed, so the chart draws
 * steps. Bounded: the oldest points fall off.
 */
export interface ThroughputPoint {
  /** Start of the bucket, ms since the epoch. */
  readonly t: number;
  readonly connections: number;
  readonly bitsPerSecond: number;
}

export interface ThroughputHistoryState {
  readonly users: ConnectedUsersView;
  readonly points: readonly ThroughputPoint[];
  readonly position: number;
}

export const THROUGHPUT_BUCKET_MS = 1_000;
export const THROUGHPUT_MAX_POINTS = 2_000;

export const emptyThroughputHistory: ThroughputHistoryState = { users: emptyConnectedUsers, points: [], position: -1 };

export function foldThroughputHistory(state: ThroughputHistoryState, event: StoredEvent): ThroughputHistoryState {
  const users = foldLiveUsers(state.users, event);
  const touches = event.stream.startsWith('session-') || event.type === 'ServerStarted' || event.type === 'ServerStopped';
  if (!touches) return { ...state, users, position: event.position };
  const point: ThroughputPoint = {
    t: Math.floor(event.recordedAt / THROUGHPUT_BUCKET_MS) * THROUGHPUT_BUCKET_MS,
    connections: event.type === 'ServerStopped' ? 0 : users.users.size,
    bitsPerSecond: event.type === 'ServerStopped' ? 0 : Math.round(totalBitRate(users)),
  };
  const last = state.points[state.points.length - 1];
  let points: ThroughputPoint[];
  if (last && last.t === point.t) points = [...state.points.slice(0, -1), point];
  else if (last && last.connections === point.connections && last.bitsPerSecond === point.bitsPerSecond) points = state.points as ThroughputPoint[];
  else points = [...state.points, point];
  if (points.length > THROUGHPUT_MAX_POINTS) points = points.slice(points.length - THROUGHPUT_MAX_POINTS);
  return { users, points, position: event.position };
}

export interface ThroughputHistoryDto {
  readonly asOf: string;
  readonly bucketSeconds: number;
  readonly points: readonly ThroughputPoint[];
}

export function presentThroughputHistory(state: ThroughputHistoryState, nowMs: number): ThroughputHistoryDto {
  return { asOf: new Date(nowMs).toISOString(), bucketSeconds: THROUGHPUT_BUCKET_MS / 1000, points: state.points };
}
