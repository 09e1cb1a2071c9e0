import { z } from 'zod';

/**
 * Events about the server as a whole and its web admin, written by the server
 * journal to `server-<node>`: start and stop, every error-log message, every admin
 * login, logout and settings change (naming who). The snapshot, settings and log
 * projections are folds of these (plus the session events), so Error.log and the
 * admin pages can be rebuilt "as of" any moment.
 */
const errorLevel = z.enum(['FATAL', 'WARNING', 'INFO', 'ASSERT', 'DEBUG']);

/** The settings an operator sees and changes in the admin, recorded at start so replays know them. */
export const AdminSettingsRecord = z.object({
  moviesFolder: z.string(),
  authenticationScheme: z.enum(['digest', 'basic', 'none']),
  streamingOnPort80: z.boolean(),
  maxConnections: z.number().int().min(-1),
  maxThroughputKbps: z.number().int().min(-1),
  logFolder: z.string(),
  errorLogEnabled: z.boolean(),
  accessLogEnabled: z.boolean(),
  errorLogRollDays: z.number().int().min(0),
  errorLogRollKB: z.number().int().min(0),
  accessLogRollDays: z.number().int().min(0),
  accessLogRollKB: z.number().int().min(0),
});

export const ServerStarted = z.object({
  nodeId: z.string(),
  version: z.string(),
  hostName: z.string(),
  pid: z.number().int(),
  rtspPorts: z.array(z.number().int()),
  settings: AdminSettingsRecord,
});

export const ServerStopped = z.object({
  /** shutdown: an orderly stop; startup-failed: the start was abandoned part way. */
  reason: z.enum(['shutdown', 'startup-failed']),
});

/** One error-log message (the console line and Error.log are both made from it). */
export const ErrorLogged = z.object({
  level: errorLevel,
  message: z.string().max(4000),
});

export const AdminLoggedIn = z.object({
  user: z.string(),
  clientAddress: z.string(),
  /** True when the password was still the default and must be changed before anything else. */
  mustChangePassword: z.boolean(),
});

export const AdminLoginFailed = z.object({
  user: z.string().max(200),
  clientAddress: z.string(),
  reason: z.enum(['wrong-password', 'unknown-user', 'blocked', 'default-password-remote']),
});

export const AdminLoggedOut = z.object({
  user: z.string(),
  clientAddress: z.string(),
});

const settingChange = z.object({ from: z.unknown(), to: z.unknown() });

export const SettingsChanged = z.object({
  /** The admin user who made the change. */
  by: z.string(),
  clientAddress: z.string(),
  /** Setting name → old and new value; the admin password appears as `adminPassword` with both hidden. */
  changes: z.record(z.string(), settingChange),
  /** Some of the changes take effect only after a restart. */
  restartNeeded: z.boolean(),
});

export const adminEventSchemas = {
  ServerStarted,
  ServerStopped,
  ErrorLogged,
  AdminLoggedIn,
  AdminLoginFailed,
  AdminLoggedOut,
  SettingsChanged,
} as const;

export type AdminEventType = keyof typeof adminEventSchemas;
export type AdminEventData<K extends AdminEventType> = z.infer<(typeof adminEventSchemas)[K]>;
export type AdminSettings = z.infer<typeof AdminSettingsRecord>;
