import type { AdminSettings } from '../../../domain/events/adminEvents.js';
import { api, ApiError } from '../lib/api';

export interface SaveResult {
  readonly message: string;
  readonly restart: readonly string[];
  readonly ok: boolean;
  readonly field?: string;
}

/** Sends only the settings that differ; the reply says what applied now and what waits for a restart. */
export async function saveSettings(original: AdminSettings, edited: Partial<AdminSettings>): Promise<SaveResult> {
  const change: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(edited)) if (value !== (original as unknown as Record<string, unknown>)[name]) change[name] = value;
  if (Object.keys(change).length === 0) return { ok: true, message: 'Nothing changed.', restart: [] };
  try {
    const reply = await api<{ appliedNow: string[]; restartNeeded: boolean; changes: Record<string, unknown> }>('PATCH', '/api/settings', change);
    const restart = Object.keys(reply.changes).filter((n) => !reply.appliedNow.includes(n));
    const parts = [];
    if (reply.appliedNow.length) parts.push(`Applied now: ${reply.appliedNow.join(', ')}.`);
    if (restart.length) parts.push(`Restart the server to apply: ${restart.join(', ')}.`);
    return { ok: true, message: `Saved. ${parts.join(' ')}`, restart };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, message: error.message, restart: [], ...(error.field ? { field: error.field } : {}) };
    return { ok: false, message: String(error), restart: [] };
  }
}
