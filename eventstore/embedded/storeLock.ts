import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreInUseError } from './errors.js';

/*
 * One opener per store directory. The lock is a file `LOCK` created with the exclusive flag ('wx')
 * holding {"pid", "startTime"} of the owner ("startTime" is the kernel's start time of the process
 * where /proc exists, so a recycled pid is not mistaken for the owner).
 *
 * - Held by this very process (opened twice): StoreInUseError naming our pid.
 * - Held by a live process: StoreInUseError naming it.
 * - Stale (the owner is dead, a zombie, a different process under a recycled pid, or our own pid left
 *   over from an earlier incarnation, e.g. pid 1 in a restarted container): taken over. The takeover
 *   renames the stale file away first and checks that what it renamed is still the stale lock, so two
 *   processes taking over at once cannot both win.
 * - Unreadable content (an owner that crashed between create and write): stale once older than 10 s.
 */

const LOCK_FILE = 'LOCK';
const UNREADABLE_GRACE_MS = 10_000;
const heldInProcess = new Set<string>();

interface LockInfo {
  readonly pid: number;
  readonly startTime?: string;
}

export interface StoreLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquireStoreLock(directory: string): Promise<StoreLock> {
  if (heldInProcess.has(directory)) throw new StoreInUseError(directory, process.pid);
  heldInProcess.add(directory);
  try {
    return await acquire(directory);
  } catch (error) {
    heldInProcess.delete(directory);
    throw error;
  }
}

async function acquire(directory: string): Promise<StoreLock> {
  const path = join(directory, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, startTime: await startTimeOf(process.pid) };
  const content = JSON.stringify(mine);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(content);
      } catch (error) {
        await handle.close();
        await unlink(path).catch(() => undefined);
        throw error;
      }
      await handle.close();
      return lockHandle(directory, path, content);
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
    const existing = await readLock(path);
    if (existing === 'missing') continue;
    if (existing === 'unreadable') {
      const age = await ageOf(path);
      if (age !== undefined && age < UNREADABLE_GRACE_MS) throw new StoreInUseError(directory, undefined);
    } else if (await holds(existing)) {
      throw new StoreInUseError(directory, existing.pid);
    }
    await takeOver(path, existing);
  }
  throw new StoreInUseError(directory, undefined);
}

function lockHandle(directory: string, path: string, content: string): StoreLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      try {
        // Only remove the file if it is still ours.
        if ((await readFile(path, 'utf8')) === content) await unlink(path);
      } catch (error) {
        if (code(error) !== 'ENOENT') throw error;
      } finally {
        heldInProcess.delete(directory);
      }
    },
  };
}

/** Whether the process named in the lock file still holds it. */
async function holds(info: LockInfo): Promise<boolean> {
  // Our own pid, but this process does not hold it (checked before): left by an earlier incarnation.
  if (info.pid === process.pid) return false;
  if (!isAlive(info.pid)) return false;
  const now = await processStatus(info.pid);
  if (now === undefined) return true; // no /proc: the pid is alive, trust it
  if (now.state === 'Z' || now.state === 'X') return false;
  return info.startTime === undefined || info.startTime === now.startTime;
}

async function takeOver(path: string, stale: LockInfo | 'unreadable'): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    throw error;
  }
  const renamed = await readLock(aside);
  const same =
    stale === 'unreadable'
      ? renamed === 'unreadable'
      : typeof renamed === 'object' && renamed.pid === stale.pid && renamed.startTime === stale.startTime;
  if (!same && typeof renamed === 'object' && (await holds(renamed))) {
    // Someone else took over between our read and our rename: put their lock back.
    try {
      await link(aside, path);
    } catch {
      // Another lock exists again; theirs stays.
    }
  }
  await unlink(aside).catch(() => undefined);
}

async function readLock(path: string): Promise<LockInfo | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (code(error) === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as { pid?: unknown; startTime?: unknown };
    if (typeof value.pid === 'number' && Number.isSafeInteger(value.pid) && value.pid > 0) {
      return typeof value.startTime === 'string' ? { pid: value.pid, startTime: value.startTime } : { pid: value.pid };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

async function ageOf(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

/** State letter and start time of a process from /proc/<pid>/stat (Linux); undefined elsewhere. */
async function processStatus(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ... starttime(22nd field) ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}

async function startTimeOf(pid: number): Promise<string | undefined> {
  return (await processStatus(pid))?.startTime;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
