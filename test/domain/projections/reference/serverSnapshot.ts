// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import type { EventStoreStatusDto } from '../../../../domain/admin/eventStoreStatus.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { emptyConnectedUsers, type ConnectedUsersView } from './connectedUsers.js';
import { foldLiveUsers, totalBitRate } from './liveUsers.js';

/**
 * The QTSS server snapshot as a fold: status, version and host from the server's
 * start and stop events; connections, throughput and totals from the session
 * events. Current time, up time and CPU load are not facts of the events: the
 * presenter takes "now" (the replay moment, or the clock) and live gauges apart.
 */
export interface ServerSnapshotState {
  readonly status: 'never-started' | 'running' | 'stopped';
  readonly nodeId: string | null;
  readonly version: string | null;
  readonly hostName: string | null;
  readonly startedAt: number | null;
  readonly stoppedAt: number | null;
  readonly users: ConnectedUsersView;
  /** Bytes sent by sessions that have closed. */
  readonly closedBytes: number;
  /** Sessions opened and not refused, since the store began. */
  readonly totalConnections: number;
  readonly position: number;
}

export const emptyServerSnapshot: ServerSnapshotState = {
  status: 'never-started',
  nodeId: null,
  version: null,
  hostName: null,
  startedAt: null,
  stoppedAt: null,
  users: emptyConnectedUsers,
  closedBytes: 0,
  totalConnections: 0,
  position: -1,
};

export function foldServerSnapshot(state: ServerSnapshotState, event: StoredEvent): ServerSnapshotState {
  const users = foldLiveUsers(state.users, event);
  const data = (event.data ?? {}) as Record<string, unknown>;
  let next: ServerSnapshotState = { ...state, users, position: event.position };
  switch (event.type) {
    case 'ServerStarted':
      next = {
        ...next,
        status: 'running',
        nodeId: String(data.nodeId),
        version: String(data.version),
        hostName: String(data.hostName),
        startedAt: event.recordedAt,
        stoppedAt: null,
      };
      break;
    case 'ServerStopped':
      next = { ...next, status: 'stopped', stoppedAt: event.recordedAt };
      break;
    case 'SessionOpened':
      next = { ...next, totalConnections: next.totalConnections + 1 };
      break;
    case 'SessionRequestRefused':
      next = { ...next, totalConnections: Math.max(0, next.totalConnections - 1) };
      break;
    case 'SessionClosed':
      next = { ...next, closedBytes: next.closedBytes + (typeof data.bytesSent === 'number' ? data.bytesSent : 0) };
      break;
  }
  return next;
}

export interface LiveGauges {
  /** Percent of one core used by this process over the last second or so. */
  readonly cpuPercent: number;
  /** The OS 1-minute load average. */
  readonly loadAverage: number;
  /** Throughput the media plane measured in the last second (kbit/s). */
  readonly measuredKbps: number;
  /** The event store: embedded, or an outbox in front of EventStoreDB and how forwarding goes. */
  readonly eventStore: EventStoreStatusDto;
}

export interface ServerSnapshotDto {
  readonly status: ServerSnapshotState['status'];
  readonly asOf: string;
  readonly nodeId: string | null;
  readonly version: string | null;
  readonly hostName: string | null;
  readonly startedAt: string | null;
  readonly upTimeSeconds: number | null;
  readonly currentConnections: number;
  /** From the sessions' last samples (bits per second). */
  readonly currentThroughputBps: number;
  readonly totalBytesServed: number;
  readonly totalConnectionsServed: number;
  /** Live-only gauges from the running process; null in a replay. */
  readonly live: LiveGauges | null;
}

export function presentServerSnapshot(state: ServerSnapshotState, nowMs: number, live: LiveGauges | null): ServerSnapshotDto {
  let openBytes = 0;
  for (const user of state.users.users.values()) openBytes += user.bytesSent;
  return {
    status: state.status,
    asOf: new Date(nowMs).toISOString(),
    nodeId: state.nodeId,
    version: state.version,
    hostName: state.hostName,
    startedAt: state.startedAt === null ? null : new Date(state.startedAt).toISOString(),
    upTimeSeconds: state.status === 'running' && state.startedAt !== null ? Math.max(0, Math.floor((nowMs - state.startedAt) / 1000)) : null,
    currentConnections: state.users.users.size,
    currentThroughputBps: Math.round(totalBitRate(state.users)),
    totalBytesServed: state.closedBytes + openBytes,
    totalConnectionsServed: state.totalConnections,
    live,
  };
}
