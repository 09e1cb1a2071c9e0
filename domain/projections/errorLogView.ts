import type { ErrorLevel } from '../logs/errorLogLine.js';
import { emptyErrorLines, foldErrorLines, type ErrorLinesState } from '../logs/errorLogLines.js';
import type { StoredEvent } from '../events/storedEvent.js';
import { BoundedList, Ownership, type ReadonlyBoundedList } from './ownedState.js';

/**
 * The error-log viewer: the same lines Error.log gets (the same fold makes both),
 * the latest ones kept, each numbered so a follower can ask for what is new. The
 * fold owns its state and changes it in place (ownedState.ts); `lines.items()` copies.
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
  readonly lines: ReadonlyBoundedList<ErrorLogLine>;
  readonly nextSeq: number;
  readonly position: number;
}

export const LOG_VIEW_LINES = 1_000;

export const emptyErrorLogView: ErrorLogViewState = Object.freeze({ fold: emptyErrorLines, lines: new BoundedList<ErrorLogLine>(LOG_VIEW_LINES), nextSeq: 1, position: -1 });

interface OwnedErrorLogView {
  fold: ErrorLinesState;
  readonly lines: BoundedList<ErrorLogLine>;
  nextSeq: number;
  position: number;
}

const views = new Ownership<ErrorLogViewState>((state) => ({ ...state, lines: new BoundedList(LOG_VIEW_LINES, state.lines.items()) }) satisfies OwnedErrorLogView);

export function foldErrorLogView(state: ErrorLogViewState, event: StoredEvent): ErrorLogViewState {
  const own = views.take(state) as OwnedErrorLogView;
  const result = foldErrorLines(own.fold, event);
  own.fold = result.state;
  own.position = event.position;
  for (const line of result.lines) own.lines.push({ seq: own.nextSeq++, at: line.at, text: line.text, level: line.level });
  return own;
}
