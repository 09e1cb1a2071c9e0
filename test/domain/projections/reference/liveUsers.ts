// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths, and for totalBitRate, which sums exactly
// (ExactSum, from scratch) where it summed in map order with rounding. Copies its
// collections on every event.
import { ExactSum } from '../../../../domain/projections/exactSum.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
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
  const sum = new ExactSum();
  for (const user of view.users.values()) sum.add(user.bitRate);
  return sum.value();
}
