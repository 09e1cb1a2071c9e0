/** Data references (dref): self-contained movies, and reference movies pointing at files beside them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MovieFormatError } from '../../../domain/media/movie.js';
import { dataReferenceOfSample, externalDataFiles, hasExternalData } from '../../../domain/media/mp4/dataReferences.js';
import { parseMovie } from '../../../domain/media/mp4/parseMovie.js';
import { box, fullBox, moov, sampleEntryHeader, soundFields, trak, u16, u32 } from './movieBuilder.js';

const FILE_SIZE = 5000;

function dinf(...entries: Buffer[]): Buffer {
  return box('dinf', fullBox('dref', 0, u32(entries.length), ...entries));
}

function url(flags: number, location?: string): Buffer {
  return box('url ', [0, 0, 0, flags], ...(location === undefined ? [] : [Buffer.from(`${location}\0`)]));
}

/** A version 2 alias record naming `name`, optionally with the Unicode name extra (tag 14). */
function alias(name: string, unicodeName?: string): Buffer {
  const record = Buffer.alloc(150);
  record.writeUInt16BE(2, 6); // version
  record[50] = name.length;
  record.write(name, 51, 'latin1');
  const extras: Buffer[] = [];
  if (unicodeName !== undefined) {
    const chars = Buffer.from(unicodeName, 'utf16le').swap16();
    const data = Buffer.concat([u16(unicodeName.length), chars]);
    extras.push(u16(14), u16(data.length), data, Buffer.alloc(data.length & 1));
  }
  extras.push(u16(0xffff), u16(0));
  return box('alis', [0, 0, 0, 0], record, ...extras);
}

/** A 'raw ' sound track whose entries use data references 1..n. */
function soundTrack(id: number, drefs: Buffer, chunkOffset: number, dataReferenceIndex = 1): Buffer {
  const header = Buffer.from(sampleEntryHeader);
  header.writeUInt16BE(dataReferenceIndex, 6);
  const fields = soundFields(0, 1, 8, 8000);
  header.copy(fields, 0);
  return trak({ id, handler: 'soun', timescale: 8000, entries: [box('raw ', fields)], sizes: [100, 100], chunkOffset, minfBefore: [drefs] });
}

describe('data references', () => {
  it('flag 1 means self-contained, whatever the entry type', () => {
    const movie = parseMovie(moov([soundTrack(1, dinf(url(1)), 100), soundTrack(2, dinf(box('alis', [0, 0, 0, 1])), 300)]), FILE_SIZE);
    for (const t of movie.tracks) {
      assert.deepEqual(t.dataReferences, [{ kind: 'self' }]);
      assert.equal(hasExternalData(t), false);
      assert.deepEqual(dataReferenceOfSample(t, 1), { kind: 'self' });
    }
  });

  it('URLs naming a bare file and aliases name files beside the movie; nothing else is followed', () => {
    const refs = dinf(
      url(0, 'clip%20one.mov'),
      url(0, './media.dat'),
      url(0, 'file:other.mov'),
      url(0, 'http://example.com/remote.mov'),
      alias('Old Name.mov'),
      alias('Trunc', 'Unicodé.mov'),
      box('urn ', [0, 0, 0, 0], Buffer.from('urn:x\0beside.mov\0')),
      box('rsrc', [0, 0, 0, 0]),
    );
    const t = parseMovie(moov([soundTrack(1, refs, 100)]), FILE_SIZE).tracks[0]!;
    assert.deepEqual(t.dataReferences, [
      { kind: 'file', type: 'url ', fileName: 'clip one.mov' },
      { kind: 'file', type: 'url ', fileName: 'media.dat' },
      { kind: 'file', type: 'url ', fileName: 'other.mov' },
      { kind: 'unresolvable', type: 'url ', reason: "remote data reference 'http://example.com/remote.mov' is not followed" },
      { kind: 'file', type: 'alis', fileName: 'Old Name.mov' },
      { kind: 'file', type: 'alis', fileName: 'Unicodé.mov' },
      { kind: 'file', type: 'urn ', fileName: 'beside.mov' },
      // Flag unset, nothing named: the movie itself, as players read it.
      { kind: 'self' },
    ]);
  });

  it('a URL naming a path is refused, not cut to its last part', () => {
    const locations = ['../outside.dat', '/abs/media.dat', 'file:///Volumes/Media/clip%20one.mov', 'media/other.mov', 'a\\b.dat', 'C:\\m.dat', '..', 'file:///movies/..'];
    const t = parseMovie(moov([soundTrack(1, dinf(...locations.map((l) => url(0, l))), 100)]), FILE_SIZE).tracks[0]!;
    t.dataReferences!.forEach((ref, i) => {
      assert.equal(ref.kind, 'unresolvable', locations[i]);
      if (ref.kind === 'unresolvable') assert.ok(ref.reason.includes(locations[i]!) || ref.reason.includes('not a file name'), ref.reason);
    });
  });

  it('an entry with the flag unset but naming nothing is the movie itself', () => {
    const t = parseMovie(moov([soundTrack(1, dinf(url(0), url(0, ''), box('alis', [0, 0, 0, 0])), 100)]), FILE_SIZE).tracks[0]!;
    assert.deepEqual(t.dataReferences, [{ kind: 'self' }, { kind: 'self' }, { kind: 'self' }]);
  });

  it('samples in another file are not checked against the movie file size', () => {
    // Chunk at 1 MB: past this 5000-byte reference movie, inside the media file.
    const external = soundTrack(1, dinf(url(0, 'media.mov')), 1_000_000);
    const movie = parseMovie(moov([external]), FILE_SIZE);
    const t = movie.tracks[0]!;
    assert.equal(t.samples.offsets[1], 1_000_100);
    assert.equal(hasExternalData(t), true);
    assert.deepEqual(dataReferenceOfSample(t, 0), { kind: 'file', type: 'url ', fileName: 'media.mov' });
    assert.deepEqual(externalDataFiles(movie.tracks), { files: new Map([['media.mov', [1]]]), unresolvable: [] });
    // The same offsets in a self-contained track are still refused.
    assert.throws(() => parseMovie(moov([soundTrack(1, dinf(url(1)), 1_000_000)]), FILE_SIZE), MovieFormatError);
  });

  it('a description can pick its data reference; a missing one is reported, not thrown', () => {
    const t = parseMovie(moov([soundTrack(1, dinf(url(1), url(0, 'b.mov')), 1_000_000, 2)]), FILE_SIZE).tracks[0]!;
    assert.equal(t.descriptions[0]!.dataReferenceIndex, 2);
    assert.deepEqual(dataReferenceOfSample(t, 0), { kind: 'file', type: 'url ', fileName: 'b.mov' });
    const missing = parseMovie(moov([soundTrack(1, dinf(url(0, 'a.mov')), 1_000_000, 3)]), FILE_SIZE);
    assert.deepEqual(externalDataFiles(missing.tracks).unresolvable, [{ trackId: 1, reason: 'data reference 3 of 1 does not exist' }]);
  });

  it('only descriptions some sample uses count: an unused reference is never read', () => {
    // Two entries using references 1 (a file) and 2 (remote); every sample uses the first (stsc).
    const header = (index: number): Buffer => {
      const fields = soundFields(0, 1, 8, 8000);
      fields.writeUInt16BE(index, 6);
      return box('raw ', fields);
    };
    const drefs = dinf(url(0, 'a.dat'), url(0, 'http://example.com/b.dat'));
    const t = trak({ id: 1, handler: 'soun', timescale: 8000, entries: [header(1), header(2)], sizes: [100, 100], chunkOffset: 0, minfBefore: [drefs] });
    const movie = parseMovie(moov([t]), FILE_SIZE);
    assert.deepEqual(externalDataFiles(movie.tracks), { files: new Map([['a.dat', [1]]]), unresolvable: [] });
  });

  it('an unreadable dref leaves the track self-contained, as before drefs were read', () => {
    const broken = box('dinf', fullBox('dref', 0, u32(1), u32(3)));
    const t = parseMovie(moov([soundTrack(1, broken, 100)]), FILE_SIZE).tracks[0]!;
    assert.equal(t.dataReferences, undefined);
    assert.equal(hasExternalData(t), false);
  });
});
