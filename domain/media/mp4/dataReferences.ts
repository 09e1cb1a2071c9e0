/**
 * Data references (minf/dinf/dref): where a track's samples are stored. A movie saved
 * "self-contained" says so with flag 1 on every entry; a QuickTime reference movie
 * instead points at other files by URL ('url '), URN ('urn ') or Mac alias record
 * ('alis'). The server only follows references to files beside the movie: a URL must
 * be a bare file name (relative, no directory part), and an alias is followed by the
 * file name it records (its volume path is the authoring machine's). A URL naming a
 * path (`../media.dat`, `/abs/media.dat`, `sub/media.dat`) is refused rather than cut
 * to its last part, so a movie never silently reads some other file that happens to
 * share the name, and cannot reach outside the movies folder through its references.
 */
import type { DataReference, MovieTrack } from '../movie.js';
import { children, type Box } from './box.js';
import { BoxReader } from './boxReader.js';

const SELF_CONTAINED = 0x000001;
/** Most dref entries read; real movies have one, reference movies a handful. */
const MAX_ENTRIES = 1024;

/** The entries of a dref box, in order (a description's dataReferenceIndex is 1-based into them). */
export function readDataReferences(dref: Box): DataReference[] {
  const r = new BoxReader(dref);
  r.fullBox();
  const declared = r.u32();
  const out: DataReference[] = [];
  for (const entry of children(dref, r.pos)) {
    if (out.length >= Math.min(declared, MAX_ENTRIES)) break;
    out.push(readEntry(entry));
  }
  return out;
}

function readEntry(entry: Box): DataReference {
  const type = entry.type;
  const body = entry.buf.subarray(entry.bodyStart, entry.end);
  if (body.length < 4) return { kind: 'unresolvable', type, reason: `'${type}' entry has no version/flags` };
  const flags = body.readUIntBE(1, 3);
  if (flags & SELF_CONTAINED) return { kind: 'self' };
  const data = body.subarray(4);
  // Flag unset but nothing named (no bytes, or only NULs): writers mean this very file,
  // and players (ffmpeg among them) read such entries from the movie itself.
  if (data.every((b) => b === 0)) return SELF;
  switch (type) {
    case 'url ':
      return fromLocation(type, cString(data, 0).text);
    case 'urn ': {
      // name, then an optional location: the location is what can be opened.
      const name = cString(data, 0);
      const location = cString(data, name.end);
      return fromLocation(type, location.text === '' ? name.text : location.text);
    }
    case 'alis':
      return fromAlias(data);
    default:
      return { kind: 'unresolvable', type, reason: `data reference type '${type}' is not supported` };
  }
}

/** A NUL-terminated UTF-8 string starting at `from`, and where the next one starts. */
function cString(bytes: Buffer, from: number): { text: string; end: number } {
  if (from >= bytes.length) return { text: '', end: bytes.length };
  const nul = bytes.indexOf(0, from);
  const end = nul < 0 ? bytes.length : nul;
  return { text: bytes.toString('utf8', from, end), end: end + 1 };
}

/** A relative URL naming a file beside the movie, or why it is not one. */
function fromLocation(type: string, location: string): DataReference {
  if (location === '') return { kind: 'unresolvable', type, reason: 'empty location' };
  // One letter before ':' is a Windows drive (a path), not a URL scheme.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(location)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') {
    return { kind: 'unresolvable', type, reason: `remote data reference '${location}' is not followed` };
  }
  let path = scheme === 'file' ? location.slice('file:'.length) : location;
  try {
    path = decodeURIComponent(path);
  } catch {
    return { kind: 'unresolvable', type, reason: `location '${location}' is not a valid URL` };
  }
  while (path.startsWith('./')) path = path.slice(2);
  if (/[/\\]|^[a-z]:/i.test(path)) {
    return { kind: 'unresolvable', type, reason: `'${location}' names a path, not a file beside the movie` };
  }
  return withFileName(type, path);
}

/**
 * A classic Mac OS alias record (version 2): the target's file name is a Pascal string
 * at byte 50 (at most 63 bytes), and tag 14 of the extra data after byte 150, when
 * present, holds the name again as UTF-16.
 */
const ALIAS_VERSION_AT = 6;
const ALIAS_FILE_NAME_AT = 50;
const ALIAS_EXTRA_AT = 150;
const ALIAS_TAG_UNICODE_NAME = 14;

function fromAlias(record: Buffer): DataReference {
  const type = 'alis';
  if (record.length < ALIAS_FILE_NAME_AT + 1) return { kind: 'unresolvable', type, reason: 'alias record is truncated' };
  const version = record.readUInt16BE(ALIAS_VERSION_AT);
  if (version !== 2) return { kind: 'unresolvable', type, reason: `alias record version ${version} is not supported` };
  const length = Math.min(record[ALIAS_FILE_NAME_AT]!, 63, record.length - ALIAS_FILE_NAME_AT - 1);
  // Mac Roman; names are ASCII in practice, and latin1 keeps any other byte visible.
  let name = record.toString('latin1', ALIAS_FILE_NAME_AT + 1, ALIAS_FILE_NAME_AT + 1 + length);
  for (let pos = ALIAS_EXTRA_AT; pos + 4 <= record.length; ) {
    const tag = record.readInt16BE(pos);
    const size = record.readUInt16BE(pos + 2);
    if (tag === -1) break;
    const data = record.subarray(pos + 4, Math.min(record.length, pos + 4 + size));
    if (tag === ALIAS_TAG_UNICODE_NAME && data.length >= 2) {
      const chars = Math.min(data.readUInt16BE(0), (data.length - 2) >> 1);
      name = Buffer.from(data.subarray(2, 2 + chars * 2)).swap16().toString('utf16le');
    }
    pos += 4 + size + (size & 1);
  }
  return withFileName(type, name);
}

function withFileName(type: string, fileName: string): DataReference {
  if (fileName === '' || fileName === '.' || fileName === '..' || /[\u0000/\\]/.test(fileName)) {
    return { kind: 'unresolvable', type, reason: `'${fileName}' is not a file name` };
  }
  return { kind: 'file', type, fileName };
}

const SELF: DataReference = { kind: 'self' };

/** The data reference samples of a description use; self when the track has no dref. */
export function dataReferenceOfDescription(track: MovieTrack, descriptionIndex0: number): DataReference {
  const refs = track.dataReferences;
  if (refs === undefined) return SELF;
  const index = track.descriptions[descriptionIndex0]?.dataReferenceIndex ?? 1;
  return refs[index - 1] ?? { kind: 'unresolvable', type: 'dref', reason: `data reference ${index} of ${refs.length} does not exist` };
}

/** The data reference of one sample (0-based). */
export function dataReferenceOfSample(track: MovieTrack, sampleIndex0: number): DataReference {
  const description = track.samples.descriptionIndexes[sampleIndex0] ?? 1;
  return dataReferenceOfDescription(track, description - 1);
}

/** True when some description of the track keeps its samples outside the movie file. */
export function hasExternalData(track: MovieTrack): boolean {
  for (let i = 0; i < track.descriptions.length; i++) {
    if (dataReferenceOfDescription(track, i).kind !== 'self') return true;
  }
  return false;
}

/** The 0-based descriptions some sample of the track uses: only their references are ever read. */
function descriptionsInUse(track: MovieTrack): number[] {
  const used = new Set<number>();
  const indexes = track.samples.descriptionIndexes;
  for (let i = 0; i < track.samples.count; i++) used.add(indexes[i]! - 1);
  return [...used].sort((a, b) => a - b);
}

/**
 * The files beside the movie that the given tracks read samples from, with the tracks
 * that need each one; and the tracks whose references cannot be followed, with why.
 * A description no sample uses is left out: its reference is never read.
 */
export function externalDataFiles(tracks: readonly MovieTrack[]): {
  files: Map<string, number[]>;
  unresolvable: Array<{ trackId: number; reason: string }>;
} {
  const files = new Map<string, number[]>();
  const unresolvable: Array<{ trackId: number; reason: string }> = [];
  for (const track of tracks) {
    for (const i of descriptionsInUse(track)) {
      const ref = dataReferenceOfDescription(track, i);
      if (ref.kind === 'file') {
        const ids = files.get(ref.fileName) ?? [];
        if (!ids.includes(track.id)) ids.push(track.id);
        files.set(ref.fileName, ids);
      } else if (ref.kind === 'unresolvable') {
        unresolvable.push({ trackId: track.id, reason: ref.reason });
      }
    }
  }
  return { files, unresolvable };
}
