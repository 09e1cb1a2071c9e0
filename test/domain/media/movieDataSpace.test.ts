/** The movie's data space: samples of files beside a reference movie get windows of their own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { checkSamplesInFiles, DATA_FILE_WINDOW, placeSamples, UNPLACED_WINDOW, windowOf } from '../../../domain/media/movieDataSpace.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { box, fullBox, moov, soundFields, trak, u32 } from './movieBuilder.js';

const FILE_SIZE = 5000;

function url(flags: number, location?: string): Buffer {
  return box('url ', [0, 0, 0, flags], ...(location === undefined ? [] : [Buffer.from(`${location}\0`)]));
}

function dinf(...entries: Buffer[]): Buffer {
  return box('dinf', fullBox('dref', 0, u32(entries.length), ...entries));
}

/** A 'raw ' sound entry reading data reference `index`. */
function entry(index: number): Buffer {
  const fields = soundFields(0, 1, 8, 8000);
  fields.writeUInt16BE(index, 6);
  return box('raw ', fields);
}

/** Two chunks of two 100-byte samples; chunk c uses description c + 1 when two references are given. */
function track(id: number, drefs: Buffer, chunkOffsets: number[], references = [1, 1]): Buffer {
  return trak({
    id,
    handler: 'soun',
    timescale: 8000,
    entries: references.map(entry),
    sizes: [100, 100, 100, 100],
    chunkOffset: 0,
    co64: true,
    minfBefore: [drefs],
    chunks: { samplesPerChunk: 2, offsets: chunkOffsets, descriptions: [1, 2] },
  });
}

describe('movie data space', () => {
  it('leaves a self-contained movie as it is', () => {
    const movie = parseMovie(moov([track(1, dinf(url(1)), [100, 300])]), FILE_SIZE);
    const space = placeSamples(movie);
    assert.equal(space.movie, movie);
    assert.deepEqual(space.files, []);
  });

  it('gives each file a window, per description, for samples and chunks alike', () => {
    const movie = parseMovie(
      moov([
        track(1, dinf(url(1), url(0, 'a.dat')), [100, 1_000_000], [1, 2]),
        track(2, dinf(url(0, 'b.dat'), url(0, 'a.dat')), [10, 20], [1, 2]),
      ]),
      FILE_SIZE,
    );
    const space = placeSamples(movie);
    assert.deepEqual(space.files, ['a.dat', 'b.dat']);
    const [one, two] = space.movie.tracks;
    assert.deepEqual([...one!.samples.offsets], [100, 200, DATA_FILE_WINDOW + 1_000_000, DATA_FILE_WINDOW + 1_000_100]);
    assert.deepEqual([...one!.samples.chunkOffsets!], [100, DATA_FILE_WINDOW + 1_000_000]);
    assert.deepEqual([...two!.samples.offsets], [2 * DATA_FILE_WINDOW + 10, 2 * DATA_FILE_WINDOW + 110, DATA_FILE_WINDOW + 20, DATA_FILE_WINDOW + 120]);
    assert.deepEqual([...two!.samples.offsets].map(windowOf), [2, 2, 1, 1]);
    // The parsed movie is not changed.
    assert.equal(movie.tracks[0]!.samples.offsets[2], 1_000_000);
  });

  it('puts samples behind a reference that cannot be followed where no file is', () => {
    const movie = parseMovie(moov([track(1, dinf(url(0, '../x.dat')), [10, 20])]), FILE_SIZE);
    const placed = placeSamples(movie).movie.tracks[0]!;
    assert.deepEqual([...placed.samples.offsets].map(windowOf), [UNPLACED_WINDOW, UNPLACED_WINDOW, UNPLACED_WINDOW, UNPLACED_WINDOW]);
  });

  it('checks samples against the files they are in, the movie file included', () => {
    const movie = parseMovie(moov([track(1, dinf(url(1), url(0, 'a.dat')), [4800, 1_000_000], [1, 2])]), FILE_SIZE);
    const placed = placeSamples(movie).movie.tracks[0]!;
    const files = (a: number, m = FILE_SIZE) => (w: number) => (w === 0 ? { name: 'movie.mov', size: m } : w === 1 ? { name: 'a.dat', size: a } : undefined);
    checkSamplesInFiles(placed, 'stbl', files(1_000_200));
    assert.throws(() => checkSamplesInFiles(placed, 'stbl', files(1_000_199)), (e: MovieFormatError) => e.message.includes('1000199-byte a.dat') && e.box === 'stbl');
    // The movie file's own samples were not checked by the parser (the track reads another file).
    assert.throws(() => checkSamplesInFiles(placed, 'stbl', files(1_000_200, 4900)), /4900-byte movie\.mov/);
    assert.throws(() => checkSamplesInFiles(placed, 'stbl', (w) => (w === 0 ? { name: 'movie.mov', size: FILE_SIZE } : undefined)), /has no data file/);
  });

  it('refuses a sample that would leave its 16 TiB window', () => {
    const far = parseMovie(moov([track(1, dinf(url(0, 'a.dat')), [DATA_FILE_WINDOW - 150, 0])]), FILE_SIZE);
    assert.throws(() => placeSamples(far), (e: MovieFormatError) => e instanceof MovieFormatError && /16 TiB/.test(e.message));
  });
});
