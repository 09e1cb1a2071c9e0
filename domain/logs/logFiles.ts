import type { AdminSettings } from '../events/adminEvents.js';
import type { StoredEvent } from '../events/storedEvent.js';
import { Ownership } from '../projections/ownedState.js';
import { copyAccessEntries, emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from './accessLogEntries.js';
import { accessLogHeader, accessLogStreamingRemark, formatAccessLogLine } from './accessLogLine.js';
import { emptyErrorLines, foldErrorLines, type ErrorLinesState } from './errorLogLines.js';
import { localCreatedOn, localYymmdd } from './logTime.js';
import { rolledLogName, shouldRoll, type RollPolicy } from './logRolling.js';

/**
 * The two log files on disk as one fold: events in, file operations out (append
 * these bytes, roll that file). Everything written derives from event data and
 * record times, so the live writer and `streamhouse logs rebuild` produce the same
 * bytes. Logging on/off and the roll rules are themselves folded from the events
 * (ServerStarted's settings, then SettingsChanged), so they too replay exactly.
 * The fold owns its state and changes it in place, O(1) per event (see
 * domain/projections/ownedState.ts): use the state it returns, never an earlier one.
 * The state turns into plain JSON (`JSON.stringify`), which the writer checkpoints
 * beside the logs; that JSON is accepted back wherever a state is.
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

export const DEFAULT_LOG_SETTINGS: LogSettings = {
  errorLogEnabled: true,
  accessLogEnabled: true,
  errorLogRollDays: 7,
  errorLogRollKB: 256,
  accessLogRollDays: 7,
  accessLogRollKB: 10_240,
};

const newFile: LogFileState = { createdAt: null, size: 0, rollsByDay: {} };

/** The state before any event: shared, never changed (a fold starts from a copy of it). */
export const emptyLogFiles: LogFilesState = Object.freeze({
  position: -1,
  version: '0.0.0',
  settings: DEFAULT_LOG_SETTINGS,
  files: { Error: newFile, StreamingServer: newFile },
  errorLines: emptyErrorLines,
  accessEntries: emptyAccessEntries,
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type OwnedLogFiles = Mutable<Omit<LogFilesState, 'files'>> & { readonly files: Record<LogName, LogFileState> };

const states = new Ownership<LogFilesState>(
  (state) => ({ ...state, files: { ...state.files }, accessEntries: copyAccessEntries(state.accessEntries) }) satisfies OwnedLogFiles,
);

export function logSettingsFrom(settings: Partial<AdminSettings>, base: LogSettings): LogSettings {
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

export function policyOf(settings: LogSettings, log: LogName): RollPolicy {
  return log === 'Error'
    ? { days: settings.errorLogRollDays, bytes: settings.errorLogRollKB * 1024 }
    : { days: settings.accessLogRollDays, bytes: settings.accessLogRollKB * 1024 };
}

export function enabled(settings: LogSettings, log: LogName): boolean {
  return log === 'Error' ? settings.errorLogEnabled : settings.accessLogEnabled;
}

/** Writes lines to one log: rolls first if due, starts a new file with its header. */
function write(state: OwnedLogFiles, log: LogName, lines: readonly string[], at: number, ops: LogFileOp[]): void {
  if (lines.length === 0 || !enabled(state.settings, log)) return;
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
  state.files[log] = { ...file, size: file.size + Buffer.byteLength(text) };
}

/** Folds one event in, in place (the state belongs to the fold: use the one returned); `state` may be a checkpoint's JSON. */
export function foldLogFiles(state: LogFilesState, event: StoredEvent): { state: LogFilesState; ops: LogFileOp[] } {
  const ops: LogFileOp[] = [];
  const next = states.take(state) as OwnedLogFiles;
  next.position = event.position;
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.type === 'ServerStarted') {
    next.version = String(data.version);
    next.settings = logSettingsFrom((data.settings ?? {}) as Partial<AdminSettings>, DEFAULT_LOG_SETTINGS);
  } else if (event.type === 'SettingsChanged') {
    const changes = (data.changes ?? {}) as Record<string, { to: unknown }>;
    const values: Record<string, unknown> = {};
    for (const [name, change] of Object.entries(changes)) values[name] = change.to;
    next.settings = logSettingsFrom(values as Partial<AdminSettings>, next.settings);
  }

  const errors = foldErrorLines(next.errorLines, event);
  next.errorLines = errors.state;
  write(next, 'Error', errors.lines.map((l) => l.text), event.recordedAt, ops);

  const access = foldAccessEntries(next.accessEntries, event);
  next.accessEntries = access.state;
  const accessLines: string[] = [];
  if (event.type === 'ServerStarted' || event.type === 'ServerStopped') {
    accessLines.push(accessLogStreamingRemark(event.type === 'ServerStarted' ? 'STARTUP' : 'SHUTDOWN', event.recordedAt));
  }
  if (access.entry) accessLines.push(formatAccessLogLine(access.entry));
  write(next, 'StreamingServer', accessLines, event.recordedAt, ops);
  return { state: next, ops };
}
