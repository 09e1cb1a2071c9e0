import { copyAccessEntries, emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from '../logs/accessLogEntries.js';
import { formatAccessLogLine } from '../logs/accessLogLine.js';
import type { StoredEvent } from '../events/storedEvent.js';
import { LOG_VIEW_LINES, type LogViewLine } from './errorLogView.js';
import { BoundedList, Ownership, type ReadonlyBoundedList } from './ownedState.js';

/**
 * The access-history viewer: StreamingServer.log's lines (same fold), with the facts
 * to filter on. The fold owns its state and changes it in place (ownedState.ts).
 */
export interface AccessHistoryLine extends LogViewLine {
  readonly clientAddress: string;
  readonly uriStem: string;
  readonly status: number | null;
}

export interface AccessHistoryState {
  readonly fold: AccessEntriesState;
  readonly lines: ReadonlyBoundedList<AccessHistoryLine>;
  readonly nextSeq: number;
  readonly position: number;
}

export const emptyAccessHistory: AccessHistoryState = Object.freeze({ fold: emptyAccessEntries, lines: new BoundedList<AccessHistoryLine>(LOG_VIEW_LINES), nextSeq: 1, position: -1 });

interface OwnedAccessHistory {
  fold: AccessEntriesState;
  readonly lines: BoundedList<AccessHistoryLine>;
  nextSeq: number;
  position: number;
}

const histories = new Ownership<AccessHistoryState>(
  (state) => ({ fold: copyAccessEntries(state.fold), lines: new BoundedList(LOG_VIEW_LINES, state.lines.items()), nextSeq: state.nextSeq, position: state.position }) satisfies OwnedAccessHistory,
);

export function foldAccessHistory(state: AccessHistoryState, event: StoredEvent): AccessHistoryState {
  const own = histories.take(state) as OwnedAccessHistory;
  const result = foldAccessEntries(own.fold, event);
  own.fold = result.state;
  own.position = event.position;
  const e = result.entry;
  if (e) own.lines.push({ seq: own.nextSeq++, at: e.at, text: formatAccessLogLine(e), clientAddress: e.clientAddress, uriStem: e.uriStem, status: e.status });
  return own;
}
