import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Authenticator } from '../../../adapters/auth/authenticator.js';
import { FILE_RECHECK_MS, ParsedFileCache } from '../../../adapters/auth/fileSnapshot.js';

/**
 * qtaccess, qtusers and qtgroups as the server reads them: stat'ed at most once per
 * FILE_RECHECK_MS each (not on every request), so an edit, a new file or a removed
 * one counts within that time.
 */
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-recheck-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file recheck window', () => {
  it('answers from memory within the window, and sees the file as it is after it', async () => {
    const clock = { now: 1000 };
    let parsed = 0;
    const cache = new ParsedFileCache(
      (text) => {
        parsed++;
        return text.trim();
      },
      { recheckMs: 1000, now: () => clock.now },
    );
    const file = path.join(dir, 'a');
    await writeFile(file, 'one\n');
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'one' });
    await writeFile(file, 'two\n');
    clock.now += 999;
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'one' }, 'within the window: not looked at');
    clock.now += 1;
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'two' }, 'the window is over: seen changed');
    clock.now += 1000;
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'two' });
    assert.equal(parsed, 2, 'unchanged on disk: not read again');

    // Replaced by rename, as qtpasswd and editors do.
    await writeFile(`${file}.new`, 'three\n');
    await rename(`${file}.new`, file);
    clock.now += 1000;
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'three' });

    await rm(file);
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'three' }, 'removed within the window: not noticed yet');
    clock.now += 1000;
    assert.deepEqual(await cache.get(file), { kind: 'missing', code: 'ENOENT' });
  });

  it('remembers a missing file for the window too, and a new one counts after it', async () => {
    const clock = { now: 0 };
    const cache = new ParsedFileCache((text) => text.trim(), { recheckMs: 1000, now: () => clock.now });
    const file = path.join(dir, 'b');
    assert.deepEqual(await cache.get(file), { kind: 'missing', code: 'ENOENT' });
    await writeFile(file, 'here\n');
    clock.now += 500;
    assert.deepEqual(await cache.get(file), { kind: 'missing', code: 'ENOENT' });
    clock.now += 500;
    assert.deepEqual(await cache.get(file), { kind: 'file', value: 'here' });
  });

  it('shares one look at the file among lookups at the same time', async () => {
    let parsed = 0;
    const cache = new ParsedFileCache(
      (text) => {
        parsed++;
        return text;
      },
      { recheckMs: 1000 },
    );
    const file = path.join(dir, 'c');
    await writeFile(file, 'x');
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get(file)));
    assert.equal(parsed, 1);
    assert.ok(results.every((r) => r.kind === 'file' && r.value === 'x'));
  });

  it('with the server\'s window, a new qtaccess takes effect within FILE_RECHECK_MS', async () => {
    const movies = path.join(dir, 'movies');
    await mkdir(path.join(movies, 'club'), { recursive: true });
    const authenticator = new Authenticator({ moviesRoot: movies, usersFile: path.join(dir, 'no-users'), groupsFile: path.join(dir, 'no-groups'), throttle: false, fileRecheckMs: FILE_RECHECK_MS });
    const request = { method: 'DESCRIBE', uri: 'rtsp://h/club/a.mp4', headers: [], clientAddress: '198.51.100.20', filePath: path.join(movies, 'club', 'a.mp4'), action: 'READ' as const };
    assert.equal((await authenticator.authenticate(request)).allowed, true, 'no qtaccess: open');
    const t0 = performance.now();
    await writeFile(path.join(movies, 'club', 'qtaccess'), 'require valid-user\n');
    let allowed = true;
    while (allowed && performance.now() - t0 < FILE_RECHECK_MS + 1000) {
      allowed = (await authenticator.authenticate(request)).allowed;
      if (allowed) await sleep(25);
    }
    const tookMs = performance.now() - t0;
    assert.equal(allowed, false, 'the new qtaccess counts');
    // The time documented, with room for a busy machine's timers.
    assert.ok(tookMs <= FILE_RECHECK_MS + 250, `took ${Math.round(tookMs)} ms`);
  });
});
