import type { StoredEvent } from '../events/storedEvent.js';
import { emptyConnectedUsers, foldConnectedUsers, type ConnectedUsersView } from './connectedUsers.js';

/**
 * The connected-users fold across restarts: a ServerStarted means every session of
 * the run before is gone, even those a crash never let close. (One server per
 * store: in a fleet sharing a store, each node's view would filter by node.)
 */
export function foldLiveUsers(view: ConnectedUsersView, event: StoredEvent): ConnectedUsersView {
  if (event.type === 'ServerStarted') return { ...emptyConnectedUsers, position: event.position };
  return foldConnectedUsers(view, event);
}

/** Sum of the users' bit rates (bits per second), from their last two samples. */
export function totalBitRate(view: ConnectedUsersView): number {
  let sum = 0;
  for (const user of view.users.values()) sum += user.bitRate;
  return sum;
}
