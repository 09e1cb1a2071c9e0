import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rename, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient } from '../helpers/rtspTestClient.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/** Subfolders, links inside the folder, and a movie replaced on disk picked up by the next DESCRIBE. */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

describe('movies folder', { skip }, () => {
  let server: ServerProcess;
  let movies: string;

  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-folder-'));
    movies = path.join(dir, 'movies');
    await mkdir(path.join(movies, 'shows', 'season 1'), { recursive: true });
    await copyFile(sampleFile, path.join(movies, 'shows', 'season 1', 'episode 1.mp4'));
    await symlink(path.join(movies, 'shows', 'season 1', 'episode 1.mp4'), path.join(movies, 'latest.mp4'));
    server = await startServerProcess({ dir, moviesFolder: movies });
  });
  after(async () => server?.cleanup());

  const rangeOf = (sdp: string): string => /a=range:npt=(\S+)/.exec(sdp)?.[1] ?? '';

  it('serves subfolders and links inside the folder, and notices a replaced movie', async () => {
    const client = await RtspTestClient.connect(server.port);
    const deep = await client.request('DESCRIBE', server.url('shows/season%201/episode%201.mp4'));
    assert.equal(deep.status, 200);
    const linked = await client.request('DESCRIBE', server.url('latest.mp4'));
    assert.equal(linked.status, 200);
    assert.match(rangeOf(linked.body.toString()), /^0-10\.\d+$/);

    // Replace the movie behind the link with a 3-second one.
    const shorter = path.join(movies, 'shows', 'season 1', 'episode 1.tmp');
    const made = spawnSync(ffmpegPath()!, ['-hide_banner', '-loglevel', 'error', '-i', sampleFile, '-t', '3', '-c', 'copy', '-f', 'mp4', '-y', shorter]);
    assert.equal(made.status, 0);
    await rename(shorter, path.join(movies, 'shows', 'season 1', 'episode 1.mp4'));
    const again = await client.request('DESCRIBE', server.url('latest.mp4'));
    assert.equal(again.status, 200);
    assert.match(rangeOf(again.body.toString()), /^0-3\.\d+$/);
    client.close();
  });
});
