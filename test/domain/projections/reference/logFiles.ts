// Reference fold for the property tests (foldEquivalence.test.ts): the fold logic is the
// straightforward pure fold this project had before its folds came to own their state
// (git f7ace3c), copying its collections on every event; its state holds the reference
// access-entries state (plain records). The types, the default settings and the pure
// helpers (settings, roll policy, line formats, local times) are the domain's. The empty
// state is built of this fold's own objects, so the test's check that the domain's empty
// state is unchanged compares it with something no domain fold can have touched.
import type { AdminSettings } from '../../../../domain/events/adminEvents.js';
import type { StoredEvent } from '../../../../domain/events/storedEvent.js';
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from './accessLogEntries.js';
import { accessLogHeader, accessLogStreamingRemark, formatAccessLogLine } from '../../../../domain/logs/accessLogLine.js';
import { emptyErrorLines, foldErrorLines } from '../../../../domain/logs/errorLogLines.js';
import {
  DEFAULT_LOG_SETTINGS,
  enabled,
  logSettingsFrom,
  policyOf,
  type LogFileOp,
  type LogFileState,
  type LogFilesState as DomainLogFilesState,
  type LogName,
} from '../../../../domain/logs/logFiles.js';
import { localCreatedOn, localYymmdd } from '../../../../domain/logs/logTime.js';
import { rolledLogName, shouldRoll } from '../../../../domain/logs/logRolling.js';

export type LogFilesState = Omit<DomainLogFilesState, 'accessEntries'> & { readonly accessEntries: AccessEntriesState };

const newFile: LogFileState = { createdAt: null, size: 0, rollsByDay: {} };

export const emptyLogFiles: LogFilesState = {
  position: -1,
  version: '0.0.0',
  settings: { ...DEFAULT_LOG_SETTINGS },
  files: { Error: newFile, StreamingServer: newFile },
  errorLines: emptyErrorLines,
  accessEntries: emptyAccessEntries,
};

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
