import type { StoredEvent } from '../events/storedEvent.js';
import { clearConnectedUsers, foldConnectedUsers, type ConnectedUsersView } from './connectedUsers.js';

export { totalBitRate } from './connectedUsers.js';

/**
 * The connected-users fold across restarts: a ServerStarted means every session of
 * the run before is gone, even those a crash never let close. (One server per
 * store: in a fleet sharing a store, each node's view would filter by node.)
 * Like foldConnectedUsers, it owns the view and changes it in place.
 */
export function foldLiveUsers(view: ConnectedUsersView, event: StoredEvent): ConnectedUsersView {
  if (event.type === 'ServerStarted') return clearConnectedUsers(view, event.position);
  return foldConnectedUsers(view, event);
}
