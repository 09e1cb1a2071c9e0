import type { AdminSettings } from '../events/adminEvents.js';
import type { StoredEvent } from '../events/storedEvent.js';

/**
 * The settings pages as a fold: the settings in force at the last start, then each
 * change made in the admin, who made it and whether it waits for a restart.
 */
export interface SettingsChangeRecord {
  readonly at: number;
  readonly by: string;
  readonly clientAddress: string;
  readonly changes: Readonly<Record<string, { from: unknown; to: unknown }>>;
  readonly restartNeeded: boolean;
}

export interface SettingsHistoryState {
  readonly settings: AdminSettings | null;
  /** Settings changed since the last start that only a restart applies. */
  readonly pendingRestart: readonly string[];
  readonly recent: readonly SettingsChangeRecord[];
  readonly position: number;
}

export const emptySettingsHistory: SettingsHistoryState = { settings: null, pendingRestart: [], recent: [], position: -1 };

const RECENT = 20;

export function foldSettingsHistory(state: SettingsHistoryState, event: StoredEvent, restartNeeded: (name: string) => boolean): SettingsHistoryState {
  const data = (event.data ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case 'ServerStarted':
      return { ...state, settings: data.settings as AdminSettings, pendingRestart: [], position: event.position };
    case 'SettingsChanged': {
      const changes = (data.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const settings = state.settings ? { ...state.settings } : null;
      const pending = new Set(state.pendingRestart);
      for (const [name, change] of Object.entries(changes)) {
        if (settings && name in settings) (settings as Record<string, unknown>)[name] = change.to;
        if (restartNeeded(name)) pending.add(name);
      }
      const record: SettingsChangeRecord = {
        at: event.recordedAt,
        by: String(data.by),
        clientAddress: String(data.clientAddress),
        changes,
        restartNeeded: data.restartNeeded === true,
      };
      return { settings, pendingRestart: [...pending], recent: [record, ...state.recent].slice(0, RECENT), position: event.position };
    }
    default:
      return { ...state, position: event.position };
  }
}

export interface SettingsDto {
  readonly asOf: string;
  readonly settings: AdminSettings | null;
  readonly pendingRestart: readonly string[];
  readonly recent: ReadonlyArray<Omit<SettingsChangeRecord, 'at'> & { at: string }>;
}

export function presentSettingsHistory(state: SettingsHistoryState, nowMs: number): SettingsDto {
  return {
    asOf: new Date(nowMs).toISOString(),
    settings: state.settings,
    pendingRestart: state.pendingRestart,
    recent: state.recent.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
  };
}
