// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import type { ErrorLevel } from '../../../../domain/logs/errorLogLine.js';
import { emptyErrorLines, foldErrorLines, type ErrorLinesState } from '../../../../domain/logs/errorLogLines.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';

/**
 * The error-log viewer: the same lines Error.log gets (the same fold makes both),
 * the latest ones kept, each numbered so a follower can ask for what is new.
 */
export interface LogViewLine {
  readonly seq: number;
  readonly at: number;
  readonly text: string;
}

export interface ErrorLogLine extends LogViewLine {
  readonly level: ErrorLevel | null;
}

export interface ErrorLogViewState {
  readonly fold: ErrorLinesState;
  readonly lines: readonly ErrorLogLine[];
  readonly nextSeq: number;
  readonly position: number;
}

export const LOG_VIEW_LINES = 1_000;

export const emptyErrorLogView: ErrorLogViewState = { fold: emptyErrorLines, lines: [], nextSeq: 1, position: -1 };

export function foldErrorLogView(state: ErrorLogViewState, event: StoredEvent): ErrorLogViewState {
  const result = foldErrorLines(state.fold, event);
  if (result.lines.length === 0) return { ...state, fold: result.state, position: event.position };
  let seq = state.nextSeq;
  const added = result.lines.map((line) => ({ seq: seq++, at: line.at, text: line.text, level: line.level }));
  const lines = [...state.lines, ...added];
  return { fold: result.state, lines: lines.length > LOG_VIEW_LINES ? lines.slice(lines.length - LOG_VIEW_LINES) : lines, nextSeq: seq, position: event.position };
}
