import { z } from 'zod';
import type { AdminSettings } from '../events/adminEvents.js';
import { settingsSchema, type Settings } from '../settings.js';

/**
 * The settings the web admin shows and changes (QTSS's General and Log settings
 * pages), with the same rules as the command line: each field reuses its schema in
 * domain/settings.ts. A change names only what it changes; unknown names are refused.
 */
const shape = settingsSchema.shape;

export const ADMIN_SETTING_NAMES = [
  'moviesFolder',
  'authenticationScheme',
  'streamingOnPort80',
  'maxConnections',
  'maxThroughputKbps',
  'logFolder',
  'errorLogEnabled',
  'accessLogEnabled',
  'errorLogRollDays',
  'errorLogRollKB',
  'accessLogRollDays',
  'accessLogRollKB',
] as const;

export type AdminSettingName = (typeof ADMIN_SETTING_NAMES)[number];

export const settingsChangeSchema = z
  .object({
    moviesFolder: shape.moviesFolder.unwrap(),
    authenticationScheme: shape.authenticationScheme.unwrap(),
    streamingOnPort80: shape.streamingOnPort80.unwrap(),
    maxConnections: shape.maxConnections.unwrap(),
    maxThroughputKbps: shape.maxThroughputKbps.unwrap(),
    logFolder: shape.logFolder.unwrap(),
    errorLogEnabled: shape.errorLogEnabled.unwrap(),
    accessLogEnabled: shape.accessLogEnabled.unwrap(),
    errorLogRollDays: shape.errorLogRollDays.unwrap(),
    errorLogRollKB: shape.errorLogRollKB.unwrap(),
    accessLogRollDays: shape.accessLogRollDays.unwrap(),
    accessLogRollKB: shape.accessLogRollKB.unwrap(),
  })
  .partial()
  .strict();

export type SettingsChange = z.infer<typeof settingsChangeSchema>;

/**
 * Settings the running server cannot take on: the movies folder and authentication
 * policy are read by components built at start, port 80 means new listeners, and a
 * new log folder would split the logs of one run. Limits and log settings apply at once.
 */
export const RESTART_NEEDED: ReadonlySet<AdminSettingName> = new Set(['moviesFolder', 'authenticationScheme', 'streamingOnPort80', 'logFolder']);

/** The admin's view of full settings (the log folder resolved by the caller). */
export function adminSettingsOf(settings: Settings, logFolder: string): AdminSettings {
  return {
    moviesFolder: settings.moviesFolder,
    authenticationScheme: settings.authenticationScheme,
    streamingOnPort80: settings.streamingOnPort80,
    maxConnections: settings.maxConnections,
    maxThroughputKbps: settings.maxThroughputKbps,
    logFolder,
    errorLogEnabled: settings.errorLogEnabled,
    accessLogEnabled: settings.accessLogEnabled,
    errorLogRollDays: settings.errorLogRollDays,
    errorLogRollKB: settings.errorLogRollKB,
    accessLogRollDays: settings.accessLogRollDays,
    accessLogRollKB: settings.accessLogRollKB,
  };
}

export interface SettingsDecision {
  /** Only what really changes: setting → old and new value. */
  readonly changes: Record<string, { from: unknown; to: unknown }>;
  readonly restartNeeded: boolean;
  readonly next: AdminSettings;
}

/** decide(command, state): what a requested change really changes, and whether a restart is due. */
export function decideSettingsChange(current: AdminSettings, change: SettingsChange): SettingsDecision {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const next: Record<string, unknown> = { ...current };
  let restartNeeded = false;
  for (const name of ADMIN_SETTING_NAMES) {
    const to = change[name];
    if (to === undefined || to === current[name]) continue;
    changes[name] = { from: current[name], to };
    next[name] = to;
    if (RESTART_NEEDED.has(name)) restartNeeded = true;
  }
  return { changes, restartNeeded, next: next as unknown as AdminSettings };
}
