import type { StoredEvent } from '../events/storedEvent.js';
import { formatErrorLogLine, type ErrorLevel } from './errorLogLine.js';
import { localStamp } from './logTime.js';

/**
 * Error.log as a fold of ErrorLogged and the server's start/stop: each message is a
 * line `yyyy-mm-dd hh:mm:ss: LEVEL: message`; a message repeated right after itself is
 * counted, not written, and the count comes out as `--last message repeated N times`
 * before the next different line; start and stop are `# Streaming STARTUP|SHUTDOWN`.
 */
export interface ErrorLinesState {
  readonly last: { readonly level: string; readonly message: string } | null;
  readonly repeats: number;
  readonly lastRepeatAt: number;
}

export const emptyErrorLines: ErrorLinesState = { last: null, repeats: 0, lastRepeatAt: 0 };

export interface ErrorLogOutput {
  readonly text: string;
  /** The level of a message line; null for markers and repeat counts. */
  readonly level: ErrorLevel | null;
  readonly at: number;
}

function flushRepeats(state: ErrorLinesState): ErrorLogOutput[] {
  if (state.repeats === 0) return [];
  return [{ text: `${localStamp(state.lastRepeatAt)}: --last message repeated ${state.repeats} time${state.repeats === 1 ? '' : 's'}`, level: null, at: state.lastRepeatAt }];
}

export function foldErrorLines(state: ErrorLinesState, event: StoredEvent): { state: ErrorLinesState; lines: ErrorLogOutput[] } {
  const at = event.recordedAt;
  switch (event.type) {
    case 'ErrorLogged': {
      const { level, message } = event.data as { level: ErrorLevel; message: string };
      if (state.last && state.last.level === level && state.last.message === message) {
        return { state: { ...state, repeats: state.repeats + 1, lastRepeatAt: at }, lines: [] };
      }
      return {
        state: { last: { level, message }, repeats: 0, lastRepeatAt: 0 },
        lines: [...flushRepeats(state), { text: formatErrorLogLine(new Date(at), level, message), level, at }],
      };
    }
    case 'ServerStarted':
    case 'ServerStopped':
      return {
        state: emptyErrorLines,
        lines: [...flushRepeats(state), { text: `# Streaming ${event.type === 'ServerStarted' ? 'STARTUP' : 'SHUTDOWN'} ${localStamp(at)}`, level: null, at }],
      };
    default:
      return { state, lines: [] };
  }
}
