// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from './accessLogEntries.js';
import { formatAccessLogLine } from '../../../../domain/logs/accessLogLine.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { LOG_VIEW_LINES, type LogViewLine } from './errorLogView.js';

/** The access-history viewer: StreamingServer.log's lines (same fold), with the facts to filter on. */
export interface AccessHistoryLine extends LogViewLine {
  readonly clientAddress: string;
  readonly uriStem: string;
  readonly status: number | null;
}

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
