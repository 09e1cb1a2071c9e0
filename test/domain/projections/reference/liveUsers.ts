// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event. totalBitRate is its own too:
// it sums exactly (ExactSum) from scratch, where the domain keeps a running sum, which
// is what the test checks it against (it once summed in map order with rounding).
// The types are the domain's.
import { ExactSum } from '../../../../domain/projections/exactSum.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import type { ConnectedUsersView } from '../../../../domain/projections/connectedUsers.js';
import { emptyConnectedUsers, foldConnectedUsers } from './connectedUsers.js';

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
  const sum = new ExactSum();
  for (const user of view.users.values()) sum.add(user.bitRate);
  return sum.value();
}
