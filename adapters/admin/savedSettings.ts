import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ADMIN_SETTING_NAMES, settingsChangeSchema, type AdminSettingName, type SettingsChange } from '../../domain/admin/adminSettings.js';
import { parseSettings, type Settings } from '../../domain/settings.js';
import { writeFileAtomic } from '../auth/atomicWrite.js';

/**
 * Settings changed in the web admin outlive a restart: they are kept in
 * `<data>/admin/settings.json` and laid over the configuration file and flags at
 * start (as QTSS's admin rewrote its preferences file). Deleting the file returns to
 * the configuration.
 */
export function savedSettingsFile(dataFolder: string): string {
  return path.join(dataFolder, 'admin', 'settings.json');
}

export async function readSavedSettings(dataFolder: string): Promise<SettingsChange> {
  const file = savedSettingsFile(dataFolder);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = settingsChangeSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function writeSavedSettings(dataFolder: string, saved: SettingsChange): Promise<void> {
  const file = savedSettingsFile(dataFolder);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(saved, null, 2)}\n`, { newFileMode: 0o600 });
}

/** Settings with the admin's saved changes applied; `applied` names them. */
export async function withSavedSettings(settings: Settings): Promise<{ settings: Settings; applied: AdminSettingName[] }> {
  const saved = await readSavedSettings(settings.dataFolder);
  const applied = ADMIN_SETTING_NAMES.filter((name) => saved[name] !== undefined && saved[name] !== settings[name]);
  if (applied.length === 0) return { settings, applied };
  const result = parseSettings({ ...settings, ...saved });
  if (!result.ok) throw new Error(`${savedSettingsFile(settings.dataFolder)}: ${result.errors[0]}`);
  return { settings: result.settings, applied };
}
