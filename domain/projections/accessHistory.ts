import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from '../logs/accessLogEntries.js';
import { formatAccessLogLine } from '../logs/accessLogLine.js';
import type { StoredEvent } from '../events/storedEvent.js';
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
