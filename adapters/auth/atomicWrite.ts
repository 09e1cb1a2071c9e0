import { randomBytes } from 'node:crypto';
import { chmod, chown, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces a file's contents all at once: write a temporary file beside it, flush it
 * to disk, then rename it over the old one. A reader (the server) sees the old file
 * or the new one, never half of one; a crash leaves at worst a stray temporary.
 * The old file's permissions (and owner, when running as root) are kept; a new file
 * gets `newFileMode`. A symbolic link is followed, so the file it points to changes.
 */
export async function writeFileAtomic(file: string, contents: string, options: { newFileMode?: number } = {}): Promise<void> {
  let target = file;
  try {
    target = await realpath(file);
  } catch {
    // Does not exist yet: create it where asked.
  }
  let mode = options.newFileMode ?? 0o640;
  let owner: { uid: number; gid: number } | null = null;
  try {
    const info = await stat(target);
    mode = info.mode & 0o7777;
    owner = { uid: info.uid, gid: info.gid };
  } catch {
    // New file.
  }
  const dir = path.dirname(target);
  const temporary = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, mode);
    if (owner && typeof process.getuid === 'function' && process.getuid() === 0) await chown(temporary, owner.uid, owner.gid).catch(() => {});
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  // Make the rename itself durable; not every platform lets a folder be opened and synced.
  try {
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } catch {
    // Best effort.
  }
}
