import { localMidnight, localYymmdd } from './logTime.js';

/**
 * QTSS's log rolling: a log rolls once it is N days old counted from midnight of
 * the day it was created, or once it has reached N KB (0 turns either off). The old
 * file is renamed `<name>.<yymmdd><NNN>.log`, NNN counting 000–999 within the day.
 * Decided from event times, so a rebuild rolls at the same lines.
 */
export interface RollPolicy {
  readonly days: number;
  readonly bytes: number;
}

export interface RollableFile {
  /** Record time of the event that created the file; null while it does not exist. */
  readonly createdAt: number | null;
  readonly size: number;
}

export function shouldRoll(file: RollableFile, policy: RollPolicy, atMs: number): boolean {
  if (file.createdAt === null) return false;
  if (policy.days > 0 && atMs >= rollDueAt(file.createdAt, policy.days)) return true;
  return policy.bytes > 0 && file.size >= policy.bytes;
}

/** When a file created at `createdAt` is due by age. */
export function rollDueAt(createdAt: number, days: number): number {
  // Calendar days, so a daylight-saving change does not shift the roll by an hour.
  const start = new Date(localMidnight(createdAt));
  return new Date(start.getFullYear(), start.getMonth(), start.getDate() + days).getTime();
}

/** `Error.261125000.log`: the name a log rolled at `atMs` takes, the `index`-th roll that day. */
export function rolledLogName(baseName: string, atMs: number, index: number): string {
  const number = index < 1000 ? String(index).padStart(3, '0') : '---';
  return `${baseName}.${localYymmdd(atMs)}${number}.log`;
}

/** Matches the current and rolled files of a log, e.g. Error.log and Error.261125000.log. */
export function isLogOf(baseName: string, fileName: string): boolean {
  return fileName === `${baseName}.log` || new RegExp(`^${baseName}\\.\\d{6}(\\d{3}|---)\\.log$`).test(fileName);
}
