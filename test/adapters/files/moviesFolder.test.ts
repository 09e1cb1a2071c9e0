/** Files beside a movie, found with the same containment checks as the movie itself. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MoviesFolder } from '../../../adapters/files/moviesFolder.js';
import { RtspError } from '../../../actors/rtspSession/sessionMedia.js';

describe('movies folder: files beside a movie', () => {
  let dir: string;
  let folder: MoviesFolder;
  let movie: string;
  before(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'streamhouse-beside-')));
    const shows = path.join(dir, 'movies', 'shows');
    await mkdir(shows, { recursive: true });
    await writeFile(path.join(shows, 'show.mov'), 'moov');
    await writeFile(path.join(shows, 'media.dat'), 'data');
    await writeFile(path.join(shows, 'qtaccess'), 'require any-user');
    await writeFile(path.join(dir, 'secret.dat'), 'secret');
    await symlink(path.join(dir, 'secret.dat'), path.join(shows, 'escape.dat'));
    await symlink(path.join(shows, 'media.dat'), path.join(shows, 'alias.dat'));
    folder = new MoviesFolder(path.join(dir, 'movies'));
    movie = (await folder.resolve(['shows', 'show.mov'])).file;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const refusal = (status: number) => (e: unknown) => e instanceof RtspError && e.status === status;

  it('finds a file in the movie\'s own folder, following links that stay inside', async () => {
    const found = await folder.resolveBeside(movie, 'media.dat');
    assert.equal(found.file, path.join(dir, 'movies', 'shows', 'media.dat'));
    assert.equal(found.size, 4);
    assert.equal((await folder.resolveBeside(movie, 'alias.dat')).file, found.file);
  });

  it('refuses paths, links leading out, access files, and missing files', async () => {
    for (const name of ['../secret.dat', '/etc/passwd', 'sub/x.dat', '..', '.', '', 'a\\b']) {
      await assert.rejects(folder.resolveBeside(movie, name), refusal(403), name);
    }
    await assert.rejects(folder.resolveBeside(movie, 'escape.dat'), refusal(403));
    await assert.rejects(folder.resolveBeside(movie, 'qtaccess'), refusal(403));
    await assert.rejects(folder.resolveBeside(movie, 'gone.dat'), refusal(404));
  });
});
