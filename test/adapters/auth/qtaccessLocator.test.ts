import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decideAccess } from '../../../domain/auth/qtaccess.js';
import { OutsideMoviesFolderError, QtaccessLocator } from '../../../adapters/auth/qtaccessLocator.js';
import { UserDirectory } from '../../../adapters/auth/userDirectory.js';

let dir: string;
let movies: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-qtaccess-'));
  movies = path.join(dir, 'movies');
  await mkdir(path.join(movies, 'a', 'b', 'c'), { recursive: true });
  await mkdir(path.join(movies, 'open'), { recursive: true });
  await writeFile(path.join(dir, 'qtaccess'), 'require any-user\n'); // above the root: must never count
  await writeFile(path.join(movies, 'a', 'qtaccess'), 'require valid-user\n');
  await writeFile(path.join(movies, 'a', 'b', 'c', 'movie.mp4'), 'x');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('qtaccess locator', () => {
  it('walks up from the file to the nearest qtaccess', async () => {
    const locator = new QtaccessLocator({ moviesRoot: movies });
    const { found } = await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'));
    assert.equal(found?.path, path.join(movies, 'a', 'qtaccess'));
    assert.equal(found?.dir, path.join(movies, 'a'));
    assert.equal(decideAccess(found!.file, { action: 'READ', user: null }).allowed, false);
  });

  it('never looks above the movies root', async () => {
    const locator = new QtaccessLocator({ moviesRoot: movies });
    assert.equal((await locator.locate(path.join(movies, 'open', 'movie.mp4'))).found, null);
    assert.equal((await locator.locate(path.join(movies, 'top.mp4'))).found, null);
  });

  it('takes paths relative to the root, and paths of files that do not exist yet (ANNOUNCE)', async () => {
    const locator = new QtaccessLocator({ moviesRoot: movies });
    assert.equal((await locator.locate('a/b/new/live.sdp')).found?.path, path.join(movies, 'a', 'qtaccess'));
  });

  it('refuses paths outside the root', async () => {
    const locator = new QtaccessLocator({ moviesRoot: movies });
    await assert.rejects(locator.locate(path.join(dir, 'elsewhere', 'movie.mp4')), OutsideMoviesFolderError);
    await assert.rejects(locator.locate('../escape.mp4'), OutsideMoviesFolderError);
  });

  it('finds the root qtaccess for a root given through a symbolic link', async () => {
    const link = path.join(dir, 'movies-link');
    await symlink(movies, link);
    const locator = new QtaccessLocator({ moviesRoot: link });
    assert.equal((await locator.locate(path.join(movies, 'a', 'b', 'movie.mp4'))).found?.path, path.join(movies, 'a', 'qtaccess'));
    assert.equal((await locator.locate(path.join(link, 'a', 'b', 'movie.mp4'))).found?.path, path.join(movies, 'a', 'qtaccess'));
  });

  it('judges a link inside the folder by the qtaccess where it leads, and refuses a link leading out (root as configured and through a link, with the 1 s recheck)', async () => {
    await mkdir(path.join(movies, 'private', 'films'), { recursive: true });
    await writeFile(path.join(movies, 'private', 'qtaccess'), 'require valid-user\n');
    await symlink(path.join(movies, 'private', 'films'), path.join(movies, 'films'));
    await mkdir(path.join(dir, 'outside'), { recursive: true });
    await symlink(path.join(dir, 'outside'), path.join(movies, 'outlink'));
    const link = path.join(dir, 'movies-link-2');
    await symlink(movies, link);
    for (const root of [movies, link]) {
      for (const recheckMs of [0, 1000]) {
        const locator = new QtaccessLocator({ moviesRoot: root, recheckMs });
        assert.equal((await locator.locate('films/m.mp4')).found?.path, path.join(movies, 'private', 'qtaccess'), `${root} ${recheckMs}`);
        assert.equal((await locator.locate(path.join(root, 'films', 'm.mp4'))).found?.path, path.join(movies, 'private', 'qtaccess'));
        await assert.rejects(locator.locate('outlink/x.sdp'), OutsideMoviesFolderError);
        await assert.rejects(locator.locate(path.join(root, 'outlink', 'x.sdp')), OutsideMoviesFolderError);
      }
    }
  });

  it('skips an unreadable qtaccess (here: a folder named qtaccess) and reports it', async () => {
    await mkdir(path.join(movies, 'a', 'b', 'qtaccess'));
    try {
      const locator = new QtaccessLocator({ moviesRoot: movies });
      const lookup = await locator.locate(path.join(movies, 'a', 'b', 'movie.mp4'));
      assert.equal(lookup.found?.path, path.join(movies, 'a', 'qtaccess'));
      assert.deepEqual(lookup.skipped, [{ path: path.join(movies, 'a', 'b', 'qtaccess'), reason: 'EISDIR' }]);
    } finally {
      await rm(path.join(movies, 'a', 'b', 'qtaccess'), { recursive: true });
    }
  });

  it('caches parsed files and re-reads them when they change on disk', async () => {
    const locator = new QtaccessLocator({ moviesRoot: movies });
    const file = path.join(movies, 'a', 'b', 'c', 'qtaccess');
    await writeFile(file, 'require user alice\n');
    const first = (await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'))).found!;
    const second = (await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'))).found!;
    assert.equal(first.file, second.file, 'unchanged file: same parsed object');

    // Same size, same second: only the nanosecond mtime/ctime tell it changed.
    await writeFile(file, 'require user bobby\n');
    const third = (await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'))).found!;
    assert.equal(decideAccess(third.file, { action: 'READ', user: { name: 'bobby', groups: [] } }).allowed, true);

    // Replaced by rename (how editors and qtpasswd write), with the old mtime put back.
    const replacement = path.join(movies, 'a', 'b', 'c', 'qtaccess.new');
    await writeFile(replacement, 'require any-user\n');
    await utimes(replacement, new Date(2001, 0, 1), new Date(2001, 0, 1));
    await rename(replacement, file);
    const fourth = (await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'))).found!;
    assert.equal(decideAccess(fourth.file, { action: 'READ', user: null }).allowed, true);

    await rm(file);
    assert.equal((await locator.locate(path.join(movies, 'a', 'b', 'c', 'movie.mp4'))).found?.path, path.join(movies, 'a', 'qtaccess'));
  });
});

describe('user directory', () => {
  it('reads users and groups, and sees changes at once', async () => {
    const users = path.join(dir, 'qtusers');
    const groups = path.join(dir, 'qtgroups');
    await writeFile(users, 'realm Streaming Server\naGFja21l:0muym.z3yrHSw:fa000739887bb2871bcf0c9201b5ebd5\n');
    await writeFile(groups, 'broadcaster: aGFja21l\n');
    const directory = new UserDirectory({ usersFile: users, groupsFile: groups });
    assert.equal(await directory.realm(), 'Streaming Server');
    assert.deepEqual((await directory.lookup('aGFja21l'))?.groups, ['broadcaster']);
    assert.equal(await directory.lookup('nobody'), null);

    await writeFile(groups, 'broadcaster:\nviewers: aGFja21l\n');
    assert.deepEqual((await directory.lookup('aGFja21l'))?.groups, ['viewers']);
    await writeFile(users, 'realm Other Realm\n');
    assert.equal(await directory.lookup('aGFja21l'), null);
    assert.equal(await directory.realm(), 'Other Realm');
  });

  it('treats a missing users file as holding no users', async () => {
    const directory = new UserDirectory({ usersFile: path.join(dir, 'missing-users'), groupsFile: path.join(dir, 'missing-groups') });
    const loaded = await directory.loadUsers();
    assert.equal(loaded.unreadable, 'ENOENT');
    assert.equal(loaded.file.realm, 'Streaming Server');
    assert.equal(await directory.lookup('anyone'), null);
  });

  it('defaults to DSS paths', () => {
    const directory = new UserDirectory();
    assert.equal(directory.usersFile, '/etc/streaming/qtusers');
    assert.equal(directory.groupsFile, '/etc/streaming/qtgroups');
  });
});
