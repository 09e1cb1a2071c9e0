// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event; its state keeps the lines in a
// plain array. The line types and LOG_VIEW_LINES are the domain's.
import { emptyErrorLines, foldErrorLines, type ErrorLinesState } from '../../../../domain/logs/errorLogLines.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { LOG_VIEW_LINES, type ErrorLogLine } from '../../../../domain/projections/errorLogView.js';

export interface ErrorLogViewState {
  readonly fold: ErrorLinesState;
  readonly lines: readonly ErrorLogLine[];
  readonly nextSeq: number;
  readonly position: number;
}

export const emptyErrorLogView: ErrorLogViewState = { fold: emptyErrorLines, lines: [], nextSeq: 1, position: -1 };

export function foldErrorLogView(state: ErrorLogViewState, event: StoredEvent): ErrorLogViewState {
  const result = foldErrorLines(state.fold, event);
  if (result.lines.length === 0) return { ...state, fold: result.state, position: event.position };
  let seq = state.nextSeq;
  const added = result.lines.map((line) => ({ seq: seq++, at: line.at, text: line.text, level: line.level }));
  const lines = [...state.lines, ...added];
  return { fold: result.state, lines: lines.length > LOG_VIEW_LINES ? lines.slice(lines.length - LOG_VIEW_LINES) : lines, nextSeq: seq, position: event.position };
}
