/** One reader for a movie and the data files beside it, routed by window. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockCachedFile } from '../../../adapters/files/blockCachedFile.js';
import { MovieFileReader } from '../../../adapters/files/movieFileReader.js';
import { DATA_FILE_WINDOW } from '../../../domain/media/movieDataSpace.js';

/** Polls `bytesAt` until the blocks are loaded (the reader never waits on the disk itself). */
async function loaded(reader: MovieFileReader, position: number, length: number): Promise<Buffer> {
  for (let i = 0; i < 200; i++) {
    const bytes = reader.bytesAt(position, length);
    if (bytes !== null) return bytes;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`bytes at ${position} never loaded`);
}

describe('movie file reader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-reader-'));
    await writeFile(path.join(dir, 'movie.mov'), Buffer.from('MOVIE-FILE-BYTES'));
    await writeFile(path.join(dir, 'a.dat'), Buffer.concat([Buffer.alloc(200_000, 1), Buffer.from('AAAA')]));
    await writeFile(path.join(dir, 'b.dat'), Buffer.from('BBBBBB'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reads the movie file at window 0 and each attached file at its own window', async () => {
    const reader = await MovieFileReader.open(path.join(dir, 'movie.mov'));
    reader.attach(1, await BlockCachedFile.open(path.join(dir, 'a.dat')));
    reader.attach(3, await BlockCachedFile.open(path.join(dir, 'b.dat')));
    assert.equal(reader.size, 16);
    assert.equal((await loaded(reader, 6, 4)).toString(), 'FILE');
    assert.equal((await loaded(reader, DATA_FILE_WINDOW + 200_000, 4)).toString(), 'AAAA');
    // A range across blocks of a data file.
    const across = await loaded(reader, DATA_FILE_WINDOW + 131_000, 69_004);
    assert.equal(across.length, 69_004);
    assert.equal(across.subarray(-4).toString(), 'AAAA');
    assert.equal((await loaded(reader, 3 * DATA_FILE_WINDOW + 1, 3)).toString(), 'BBB');
    // Nothing attached at window 2: nothing to read, rather than waiting forever.
    assert.equal(reader.bytesAt(2 * DATA_FILE_WINDOW, 4)?.length, 0);
    assert.throws(() => reader.attach(0, undefined as never), RangeError);
    await reader.close();
  });

  it('a replaced movie closes its files when the last session releases it, not before', async () => {
    const reader = await MovieFileReader.open(path.join(dir, 'movie.mov'));
    assert.equal((await loaded(reader, 0, 5)).toString(), 'MOVIE');
    reader.retain();
    reader.retain();
    reader.retire();
    reader.release();
    assert.equal(reader.bytesAt(0, 5)?.toString(), 'MOVIE', 'still open while a session plays it');
    reader.release();
    assert.equal(reader.bytesAt(0, 5), null, 'closed (its cache dropped) once nobody uses it');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(reader.bytesAt(0, 5), null, 'and it never loads again');
  });

  it('a replaced movie nobody plays is closed at once', async () => {
    const reader = await MovieFileReader.open(path.join(dir, 'movie.mov'));
    assert.equal((await loaded(reader, 0, 5)).toString(), 'MOVIE');
    reader.retire();
    assert.equal(reader.bytesAt(0, 5), null);
  });
});
