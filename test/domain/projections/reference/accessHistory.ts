// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event; its state keeps the lines in a
// plain array. The line type, LOG_VIEW_LINES and the line format are the domain's.
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from './accessLogEntries.js';
import { formatAccessLogLine } from '../../../../domain/logs/accessLogLine.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import type { AccessHistoryLine } from '../../../../domain/projections/accessHistory.js';
import { LOG_VIEW_LINES } from '../../../../domain/projections/errorLogView.js';

export interface AccessHistoryState {
  readonly fold: AccessEntriesState;
  readonly lines: readonly AccessHistoryLine[];
  readonly nextSeq: number;
  readonly position: number;
}

export const emptyAccessHistory: AccessHistoryState = { fold: emptyAccessEntries, lines: [], nextSeq: 1, position: -1 };

export function foldAccessHistory(state: AccessHistoryState, event: StoredEvent): AccessHistoryState {
  const result = foldAccessEntries(state.fold, event);
  if (!result.entry) return { ...state, fold: result.state, position: event.position };
  const e = result.entry;
  const line: AccessHistoryLine = { seq: state.nextSeq, at: e.at, text: formatAccessLogLine(e), clientAddress: e.clientAddress, uriStem: e.uriStem, status: e.status };
  const lines = [...state.lines, line];
  return {
    fold: result.state,
    lines: lines.length > LOG_VIEW_LINES ? lines.slice(lines.length - LOG_VIEW_LINES) : lines,
    nextSeq: state.nextSeq + 1,
    position: event.position,
  };
}
