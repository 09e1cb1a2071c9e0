// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event; its state keeps the points in a
// plain array, which its presenter hands out as they are. The point and DTO types and
// the bucket and bound constants are the domain's.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import type { ConnectedUsersView } from '../../../../domain/projections/connectedUsers.js';
import {
  THROUGHPUT_BUCKET_MS,
  THROUGHPUT_MAX_POINTS,
  type ThroughputHistoryDto,
  type ThroughputPoint,
} from '../../../../domain/projections/throughputHistory.js';
import { emptyConnectedUsers } from './connectedUsers.js';
import { foldLiveUsers, totalBitRate } from './liveUsers.js';

export interface ThroughputHistoryState {
  readonly users: ConnectedUsersView;
  readonly points: readonly ThroughputPoint[];
  readonly position: number;
}

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

export function presentThroughputHistory(state: ThroughputHistoryState, nowMs: number): ThroughputHistoryDto {
  return { asOf: new Date(nowMs).toISOString(), bucketSeconds: THROUGHPUT_BUCKET_MS / 1000, points: state.points };
}
