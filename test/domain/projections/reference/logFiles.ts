// Reference fold for the property tests (foldEquivalence.test.ts): the straightforward
// pure fold this project had before its folds came to own their state (git f7ace3c),
// kept verbatim but for import paths. Copies its collections on every event.
import type { AdminSettings } from '../../../../domain/events/adminEvents.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from './accessLogEntries.js';
import { accessLogHeader, accessLogStreamingRemark, formatAccessLogLine } from '../../../../domain/logs/accessLogLine.js';
import { emptyErrorLines, foldErrorLines, type ErrorLinesState } from '../../../../domain/logs/errorLogLines.js';
import { localCreatedOn, localYymmdd } from '../../../../domain/logs/logTime.js';
import { rolledLogName, shouldRoll, type RollPolicy } from '../../../../domain/logs/logRolling.js';

/**
 * The two log files on disk as one fold: events in, file operations out (append
 * these bytes, roll that file). Everything written derives from event data and
 * record times, so the live writer and `streamhouse logs rebuild` produce the same
 * bytes. Logging on/off and the roll rules are themselves folded from the events
 * (ServerStarted's settings, then SettingsChanged), so they too replay exactly.
 * The state is plain JSON: the writer checkpoints it beside the logs.
 */
export type LogName = 'Error' | 'StreamingServer';
export const LOG_NAMES: readonly LogName[] = ['Error', 'StreamingServer'];

export interface LogFileState {
  readonly createdAt: number | null;
  readonly size: number;
  /** Rolls so far per local day (yymmdd), for the NNN of the next rolled name. */
  readonly rollsByDay: Readonly<Record<string, number>>;
}

export interface LogSettings {
  readonly errorLogEnabled: boolean;
  readonly accessLogEnabled: boolean;
  readonly errorLogRollDays: number;
  readonly errorLogRollKB: number;
  readonly accessLogRollDays: number;
  readonly accessLogRollKB: number;
}

export interface LogFilesState {
  readonly position: number;
  readonly version: string;
  readonly settings: LogSettings;
  readonly files: Readonly<Record<LogName, LogFileState>>;
  readonly errorLines: ErrorLinesState;
  readonly accessEntries: AccessEntriesState;
}

export type LogFileOp =
  | { readonly kind: 'append'; readonly log: LogName; readonly text: string }
  | { readonly kind: 'roll'; readonly log: LogName; readonly rolledName: string };

const DEFAULT_LOG_SETTINGS: LogSettings = {
  errorLogEnabled: true,
  accessLogEnabled: true,
  errorLogRollDays: 7,
  errorLogRollKB: 256,
  accessLogRollDays: 7,
  accessLogRollKB: 10_240,
};

const newFile: LogFileState = { createdAt: null, size: 0, rollsByDay: {} };

export const emptyLogFiles: LogFilesState = {
  position: -1,
  version: '0.0.0',
  settings: DEFAULT_LOG_SETTINGS,
  files: { Error: newFile, StreamingServer: newFile },
  errorLines: emptyErrorLines,
  accessEntries: emptyAccessEntries,
};

function logSettingsFrom(settings: Partial<AdminSettings>, base: LogSettings): LogSettings {
  const pick = <K extends keyof LogSettings>(key: K): LogSettings[K] => (settings[key] as LogSettings[K] | undefined) ?? base[key];
  return {
    errorLogEnabled: pick('errorLogEnabled'),
    accessLogEnabled: pick('accessLogEnabled'),
    errorLogRollDays: pick('errorLogRollDays'),
    errorLogRollKB: pick('errorLogRollKB'),
    accessLogRollDays: pick('accessLogRollDays'),
    accessLogRollKB: pick('accessLogRollKB'),
  };
}

function policyOf(settings: LogSettings, log: LogName): RollPolicy {
  return log === 'Error'
    ? { days: settings.errorLogRollDays, bytes: settings.errorLogRollKB * 1024 }
    : { days: settings.accessLogRollDays, bytes: settings.accessLogRollKB * 1024 };
}

function enabled(settings: LogSettings, log: LogName): boolean {
  return log === 'Error' ? settings.errorLogEnabled : settings.accessLogEnabled;
}

/** Writes lines to one log: rolls first if due, starts a new file with its header. */
function write(state: LogFilesState, log: LogName, lines: readonly string[], at: number, ops: LogFileOp[]): LogFilesState {
  if (lines.length === 0 || !enabled(state.settings, log)) return state;
  let file = state.files[log];
  if (shouldRoll(file, policyOf(state.settings, log), at)) {
    const day = localYymmdd(at);
    const index = file.rollsByDay[day] ?? 0;
    ops.push({ kind: 'roll', log, rolledName: rolledLogName(log, at, index) });
    file = { createdAt: null, size: 0, rollsByDay: { [day]: index + 1 } };
  }
  let text = '';
  if (file.createdAt === null) {
    const header = log === 'StreamingServer' ? accessLogHeader(at, state.version) : [`#Log File Created On: ${localCreatedOn(at)}`];
    text += header.map((l) => `${l}\n`).join('');
    file = { ...file, createdAt: at };
  }
  text += lines.map((l) => `${l}\n`).join('');
  ops.push({ kind: 'append', log, text });
  return { ...state, files: { ...state.files, [log]: { ...file, size: file.size + Buffer.byteLength(text) } } };
}

export function foldLogFiles(state: LogFilesState, event: StoredEvent): { state: LogFilesState; ops: LogFileOp[] } {
  const ops: LogFileOp[] = [];
  let next: LogFilesState = { ...state, position: event.position };
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === 'ServerStarted') {
    next = {
      ...next,
      version: String(data.version),
      settings: logSettingsFrom((data.settings ?? {}) as Partial<AdminSettings>, DEFAULT_LOG_SETTINGS),
    };
  } else if (event.type === 'SettingsChanged') {
    const changes = (data.changes ?? {}) as Record<string, { to: unknown }>;
    const values: Record<string, unknown> = {};
    for (const [name, change] of Object.entries(changes)) values[name] = change.to;
    next = { ...next, settings: logSettingsFrom(values as Partial<AdminSettings>, next.settings) };
  }

  const errors = foldErrorLines(next.errorLines, event);
  next = { ...next, errorLines: errors.state };
  next = write(next, 'Error', errors.lines.map((l) => l.text), event.recordedAt, ops);

  const access = foldAccessEntries(next.accessEntries, event);
  next = { ...next, accessEntries: access.state };
  const accessLines: string[] = [];
  if (event.type === 'ServerStarted' || event.type === 'ServerStopped') {
    accessLines.push(accessLogStreamingRemark(event.type === 'ServerStarted' ? 'STARTUP' : 'SHUTDOWN', event.recordedAt));
  }
  if (access.entry) accessLines.push(formatAccessLogLine(access.entry));
  next = write(next, 'StreamingServer', accessLines, event.recordedAt, ops);
  return { state: next, ops };
}
