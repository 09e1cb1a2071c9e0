/**
 * Corrupt and truncated movies: parseMovie must throw MovieFormatError naming the box,
 * never another error, never hang, never allocate from an unchecked count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { children, rootBox, type Box } from '../../../domain/media/mp4/box.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { hintedAvailable, hintedPath, loadMovie, samplePath } from './mediaFiles.js';

const { file, moov } = loadMovie(samplePath);
const fileSize = file.length;

/** The box of the sample moov at a path like 'trak[1]/mdia/minf/stbl/stsz' (1-based trak index). */
function find(buf: Buffer, path: string): Box {
  let box = rootBox(buf, 'moov');
  for (const step of path.split('/')) {
    const [, type, n] = /^(.{4})(?:\[(\d+)\])?$/.exec(step)!;
    let seen = 0;
    const next = [...children(box)].find((c) => c.type === type && ++seen === Number(n ?? 1));
    assert.ok(next, `no ${step} in ${box.path}`);
    box = next;
  }
  return box;
}

const VIDEO_STBL = 'trak[1]/mdia/minf/stbl';
const AUDIO_STBL = 'trak[2]/mdia/minf/stbl';

/** A copy of the sample moov with the u32 at `at` bytes into the body of `path` set to `value`. */
function patched(path: string, at: number, value: number): Buffer {
  const copy = Buffer.from(moov);
  copy.writeUInt32BE(value >>> 0, find(copy, path).bodyStart + at);
  return copy;
}

/**
 * The sample moov cut at `n` with the boxes enclosing the cut shortened to end there, so
 * the damage is inside the deepest box rather than caught by the first header check.
 */
function cutAt(n: number): { buf: Buffer; trakPath: string | undefined } {
  const buf = Buffer.from(moov.subarray(0, n));
  let box: Box | undefined = rootBox(moov, 'moov');
  let trakPath: string | undefined;
  let trakCount = 0;
  while (box !== undefined) {
    if (box.end > n) buf.writeUInt32BE(n - box.start, box.start);
    const parent: Box = box;
    box = undefined;
    for (const child of children(parent)) {
      if (parent.depth === 0 && child.type === 'trak') trakCount++;
      if (child.start + 8 <= n && n < child.end) {
        if (parent.depth === 0 && child.type === 'trak') trakPath = `moov/trak[${trakCount}]`;
        // Containers only: descending into table bodies would misread them as boxes.
        if (['trak', 'mdia', 'minf', 'stbl', 'udta', 'dinf'].includes(child.type)) box = child;
        else if (child.end > n) buf.writeUInt32BE(n - child.start, child.start);
        break;
      }
    }
  }
  return { buf, trakPath };
}

/** Runs parseMovie, expecting MovieFormatError whose box path matches. */
function rejects(buf: Buffer, box: RegExp, size = fileSize, options?: { maxSamples: number }): MovieFormatError {
  try {
    parseMovie(buf, size, options);
  } catch (err) {
    assert.ok(err instanceof MovieFormatError, `not a MovieFormatError: ${String(err)}`);
    assert.match(err.box, box, err.message);
    return err;
  }
  assert.fail(`parsed without error, expected a failure in ${box}`);
}

/** parseMovie either succeeds or throws MovieFormatError; anything else fails the test. */
function parsesOrRejects(buf: Buffer, size = fileSize): void {
  try {
    parseMovie(buf, size);
  } catch (err) {
    if (!(err instanceof MovieFormatError)) throw err;
  }
}

describe('broken movies', () => {
  it('truncated moov (header still claiming the full size)', () => {
    for (let n = 0; n < moov.length; n += n < 64 ? 1 : 37) rejects(moov.subarray(0, n), /^moov|^box$/);
  });

  it('truncated moov with every enclosing box size rewritten to the cut', () => {
    const stco2 = find(moov, `${AUDIO_STBL}/stco`);
    const firstTrak = find(moov, 'trak[1]');
    for (let n = 8; n < moov.length; n += 5) {
      const { buf, trakPath } = cutAt(n);
      if (n < firstTrak.start || (n >= firstTrak.start && n < stco2.end)) {
        // Inside mvhd or a track's essential boxes: the error names a box of that track.
        const err = rejects(buf, /^moov/);
        if (trakPath !== undefined) assert.ok(err.box.startsWith(trakPath), `${err.box} for a cut in ${trakPath}`);
      } else {
        parsesOrRejects(buf); // sgpd/sbgp or udta: nothing the parser needs
      }
    }
  });

  it('a file shorter than its sample tables', () => {
    const err = rejects(moov, /^moov\/trak\[\d\]\/mdia\/minf\/stbl\/stco$/, 300_000);
    assert.match(err.message, /ends past the 300000-byte file/);
  });

  const cases: [string, () => Buffer, RegExp][] = [
    // stsz body: version/flags, sample_size, sample_count
    ['stsz count 2^31 in a table-form box', () => patched(`${VIDEO_STBL}/stsz`, 8, 2 ** 31), /trak\[1\].*\/stsz$/],
    ['constant-size stsz with 2^31 samples', () => {
      const b = patched(`${VIDEO_STBL}/stsz`, 4, 1);
      b.writeUInt32BE(2 ** 31, find(b, `${VIDEO_STBL}/stsz`).bodyStart + 8);
      return b;
    }, /stsz$/],
    ['stts describing fewer samples than stsz', () => patched(`${VIDEO_STBL}/stts`, 8, 249), /trak\[1\].*\/stts$/],
    ['stts entry count beyond the box', () => patched(`${VIDEO_STBL}/stts`, 4, 0x10000000), /stts$/],
    ['ctts entry count beyond the box', () => patched(`${VIDEO_STBL}/ctts`, 4, 0xffffffff), /ctts$/],
    ['stsc refers to a chunk that does not exist', () => patched(`${VIDEO_STBL}/stsc`, 8 + 12, 1000), /stsc$/],
    ['stsc refers to sample description 2 of 1', () => patched(`${AUDIO_STBL}/stsc`, 8 + 8, 2), /trak\[2\].*\/stsc$/],
    ['stsc holds more samples than stsz', () => patched(`${VIDEO_STBL}/stsc`, 8 + 4, 3), /stsc$/],
    ['stco offset past the end of the file', () => patched(`${AUDIO_STBL}/stco`, 8, 0xffffff00), /^moov\/trak\[2\]\/mdia\/minf\/stbl\/stco$/],
    ['stco count beyond the box', () => patched(`${AUDIO_STBL}/stco`, 4, 0x40000000), /stco$/],
    ['stss sample number past the samples', () => patched(`${VIDEO_STBL}/stss`, 8, 1000), /stss$/],
    ['stss out of order', () => patched(`${VIDEO_STBL}/stss`, 12, 1), /stss$/],
    ['mdhd timescale 0', () => patched('trak[2]/mdia/mdhd', 12, 0), /trak\[2\]\/mdia\/mdhd$/],
    ['mvhd timescale 0', () => patched('mvhd', 12, 0), /^moov\/mvhd$/],
    ['stsd declares 2 entries but holds 1', () => patched(`${VIDEO_STBL}/stsd`, 4, 2), /stsd$/],
    ['stsd declares 2^32-1 entries', () => patched(`${VIDEO_STBL}/stsd`, 4, 0xffffffff), /stsd$/],
    ['mdia running past its trak', () => {
      const b = Buffer.from(moov);
      const mdia = find(b, 'trak[1]/mdia');
      b.writeUInt32BE(mdia.end - mdia.start + 1, mdia.start);
      return b;
    }, /^moov\/trak\[1\]/],
    ['a child box of size 3', () => {
      const b = Buffer.from(moov);
      b.writeUInt32BE(3, find(b, `${AUDIO_STBL}/stts`).start);
      return b;
    }, /trak\[2\].*stbl/],
    ['missing stts', () => {
      const b = Buffer.from(moov);
      b.write('xxxx', find(b, `${VIDEO_STBL}/stts`).start + 4, 'latin1');
      return b;
    }, /stbl\/stts$/],
    ['esds descriptor longer than its box', () => {
      const b = Buffer.from(moov);
      const esdsAt = b.indexOf('esds', find(b, `${AUDIO_STBL}/stsd`).start, 'latin1');
      b[esdsAt + 4 + 4 + 1] = 0x7f; // ES_Descriptor length byte
      return b;
    }, /esds$/],
    ['avc1 entry shorter than a VisualSampleEntry', () => {
      const b = Buffer.from(moov);
      const stsd = find(b, `${VIDEO_STBL}/stsd`);
      // Shrink the avc1 entry to 40 bytes and pad the rest of stsd with a 'free' box.
      const entry = stsd.bodyStart + 8;
      const total = b.readUInt32BE(entry);
      b.writeUInt32BE(40, entry);
      b.writeUInt32BE(total - 40, entry + 40);
      b.write('free', entry + 44, 'latin1');
      return b;
    }, /stsd\/avc1$/],
  ];
  for (const [name, make, box] of cases) it(name, () => void rejects(make(), box));

  it('the movie-wide sample budget', () => {
    rejects(moov, /trak\[2\].*stsz$/, fileSize, { maxSamples: 300 });
    assert.equal(parseMovie(moov, fileSize, { maxSamples: 682 }).tracks.length, 2);
  });

  it('a file size that is not a byte count', () => {
    rejects(moov, /^moov$/, Number.NaN);
    rejects(moov, /^moov$/, -1);
  });

  it('a buffer that is not a moov', () => {
    rejects(file.subarray(0, 32), /^moov$/);
  });
});

describe('broken movies: property', () => {
  /** One corruption: a random byte, or a tricky 32-bit value (sizes and counts are u32). */
  const corruption = (length: number) =>
    fc.oneof(
      fc.record({ at: fc.nat(length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({
        at: fc.nat(length - 4),
        u32: fc.constantFrom(0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 250, 432),
      }),
    );

  function corrupt(source: Buffer, edits: ({ at: number; byte: number } | { at: number; u32: number })[]): Buffer {
    const b = Buffer.from(source);
    for (const e of edits) {
      if ('byte' in e) b[e.at] = e.byte;
      else b.writeUInt32BE(e.u32, e.at);
    }
    return b;
  }

  it('random mutations of the sample moov: a Movie or MovieFormatError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(corruption(moov.length), { minLength: 1, maxLength: 6 }), (edits) => {
        parsesOrRejects(corrupt(moov, edits));
      }),
      { numRuns: 600 },
    );
  });

  it('random mutations plus truncation', () => {
    fc.assert(
      fc.property(
        fc.array(corruption(moov.length), { maxLength: 3 }),
        fc.integer({ min: 0, max: moov.length }),
        fc.boolean(),
        (edits, cut, fixSize) => {
          const b = corrupt(moov, edits).subarray(0, cut);
          if (fixSize && cut >= 4) b.writeUInt32BE(cut, 0);
          parsesOrRejects(b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random mutations of the hinted moov', { skip: !hintedAvailable() }, () => {
    const hinted = loadMovie(hintedPath);
    fc.assert(
      fc.property(fc.array(corruption(hinted.moov.length), { minLength: 1, maxLength: 6 }), (edits) => {
        parsesOrRejects(corrupt(hinted.moov, edits), hinted.file.length);
      }),
      { numRuns: 200 },
    );
  });
});
