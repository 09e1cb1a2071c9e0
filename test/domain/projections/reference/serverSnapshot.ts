// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event. The state type and the
// presenter are the domain's (the test presents this fold's state with
// presentServerSnapshot, which on a view no fold of the domain made sums the bit rates
// from scratch). The empty state takes the domain's (frozen) values, with this fold's
// own empty users view.
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { emptyServerSnapshot as domainEmptyServerSnapshot, type ServerSnapshotState } from '../../../../domain/projections/serverSnapshot.js';
import { emptyConnectedUsers } from './connectedUsers.js';
import { foldLiveUsers } from './liveUsers.js';

export const emptyServerSnapshot: ServerSnapshotState = { ...domainEmptyServerSnapshot, users: emptyConnectedUsers };

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
