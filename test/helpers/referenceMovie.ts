/**
 * Turns a self-contained movie (as ffmpeg writes it: ftyp, mdat, then moov) into a
 * QuickTime reference movie whose media samples live in data files beside it: each
 * chosen track's dref gets one `url ` or `alis` entry naming its file, and its chunk
 * offsets are rewritten relative to that file. Tracks not chosen (hint tracks) stay in
 * the movie file. The media bytes left in the movie file are zeroed, or the whole mdat
 * dropped when nothing stays, so a server that ignored the references would stream
 * garbage rather than pass by luck. Built at test time: no binary fixtures.
 */
import { children, rootBox, type Box } from '../../domain/media/mp4/box.js';
import { parseBoxHeader } from '../../domain/media/mp4/boxHeader.js';
import { parseMovie } from '../../domain/media/mp4/parseMovie.js';

export interface ExternalData {
  /** The data file, beside the movie. */
  readonly fileName: string;
  /** How the dref names it. */
  readonly entry: 'url ' | 'alis';
  /** Filler bytes before the media data in that file, so each file has offsets of its own. */
  readonly lead?: number;
  /** The location written in a `url ` entry when it should not be the file name (e.g. `../x.dat`). */
  readonly location?: string;
}

export interface ReferenceMovie {
  readonly movie: Buffer;
  /** Data files by name: the filler, then the original mdat payload. */
  readonly files: Map<string, Buffer>;
}

/** Containers walked on the way to dref and stco/co64; every other box is copied as is. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'dinf', 'stbl']);

/** `externalFor` is asked per track by its handler ('vide', 'soun', 'hint', ...); null keeps it in the movie. */
export function referenceMovie(source: Buffer, externalFor: (handler: string) => ExternalData | null): ReferenceMovie {
  const top = topLevelBoxes(source);
  const mdat = top.find((b) => b.type === 'mdat');
  const moovBox = top.at(-1);
  if (!mdat || moovBox?.type !== 'moov') throw new Error('expected an mdat and the moov last (ffmpeg without faststart)');
  const moovBytes = source.subarray(moovBox.offset, moovBox.offset + moovBox.size);
  const parsed = parseMovie(moovBytes, source.length);

  const keptData = Buffer.from(source.subarray(0, moovBox.offset));
  const files = new Map<string, Buffer>();
  const payload = source.subarray(mdat.offset + mdat.headerSize, mdat.offset + mdat.size);
  let anyKept = false;
  let trakIndex = 0;
  const rewriteTrak = (trak: Box): Buffer => {
    const track = parsed.tracks[trakIndex++]!;
    const external = externalFor(track.handler);
    if (external === null) {
      anyKept = true;
      return copy(trak);
    }
    const lead = external.lead ?? 0;
    const existing = files.get(external.fileName);
    if (existing !== undefined && existing.length !== lead + payload.length) throw new Error(`${external.fileName}: one lead per file`);
    files.set(external.fileName, existing ?? Buffer.concat([Buffer.alloc(lead, 0xab), payload]));
    // The movie file no longer holds this track's bytes.
    for (let i = 0; i < track.samples.count; i++) keptData.fill(0, track.samples.offsets[i]!, track.samples.offsets[i]! + track.samples.sizes[i]!);
    const shift = lead - (mdat.offset + mdat.headerSize);
    return rebuild(trak, (box) => {
      if (box.type === 'dref') return drefNaming(external);
      if (box.type === 'stco' || box.type === 'co64') return shiftedChunks(box, shift);
      return undefined;
    });
  };
  const moov = rebuild(rootBox(moovBytes, 'moov'), (box) => (box.type === 'trak' ? rewriteTrak(box) : undefined));
  // With no track left in the movie file, drop its media data altogether.
  const head = anyKept ? keptData : Buffer.concat(top.filter((b) => b.type !== 'mdat' && b.type !== 'moov').map((b) => source.subarray(b.offset, b.offset + b.size)));
  return { movie: Buffer.concat([head, moov]), files };
}

function topLevelBoxes(source: Buffer): Array<{ type: string; offset: number; size: number; headerSize: number }> {
  const boxes = [];
  for (let offset = 0; offset < source.length; ) {
    const header = parseBoxHeader(source.subarray(offset, offset + 16), offset, source.length - offset);
    boxes.push({ type: header.type, offset, size: header.size, headerSize: header.headerSize });
    offset += header.size;
  }
  return boxes;
}

/** The box with `edit` applied to it or to its descendants (containers are rebuilt, sizes follow). */
function rebuild(box: Box, edit: (box: Box) => Buffer | undefined): Buffer {
  const replaced = edit(box);
  if (replaced !== undefined) return replaced;
  if (!CONTAINERS.has(box.type)) return copy(box);
  return boxOf(box.type, Buffer.concat([...children(box)].map((child) => rebuild(child, edit))));
}

function copy(box: Box): Buffer {
  return box.buf.subarray(box.start, box.end);
}

function boxOf(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function shiftedChunks(box: Box, shift: number): Buffer {
  const body = Buffer.from(box.buf.subarray(box.bodyStart, box.end));
  const count = body.readUInt32BE(4);
  for (let i = 0; i < count; i++) {
    if (box.type === 'stco') body.writeUInt32BE(body.readUInt32BE(8 + i * 4) + shift, 8 + i * 4);
    else body.writeBigUInt64BE(body.readBigUInt64BE(8 + i * 8) + BigInt(shift), 8 + i * 8);
  }
  return boxOf(box.type, body);
}

/** A dref with one entry, flags 0 (not self-contained), naming the data file. */
function drefNaming(external: ExternalData): Buffer {
  const entry =
    external.entry === 'url '
      ? boxOf('url ', Buffer.concat([Buffer.alloc(4), Buffer.from(`${external.location ?? external.fileName}\0`)]))
      : boxOf('alis', Buffer.concat([Buffer.alloc(4), aliasRecord(external.fileName)]));
  const count = Buffer.alloc(8);
  count.writeUInt32BE(1, 4);
  return boxOf('dref', Buffer.concat([count, entry]));
}

/**
 * A classic Mac OS alias record (version 2) as QuickTime stored in 'alis' entries: the
 * file name at byte 50, and in the extra data the authoring machine's own paths (HFS
 * and POSIX), which a server must not follow: only the name counts.
 */
function aliasRecord(fileName: string): Buffer {
  const fixed = Buffer.alloc(150);
  fixed.write('appl', 0, 'latin1');
  fixed.writeUInt16BE(2, 6); // version
  fixed[10] = 'Macintosh HD'.length;
  fixed.write('Macintosh HD', 11, 'latin1');
  fixed[50] = fileName.length;
  fixed.write(fileName, 51, 'latin1');
  fixed.writeUInt16BE(1, 130); // levels from the alias to the common folder
  fixed.writeUInt16BE(1, 132);
  const extra = (tag: number, data: Buffer): Buffer => {
    const header = Buffer.alloc(4);
    header.writeInt16BE(tag, 0);
    header.writeUInt16BE(data.length, 2);
    return Buffer.concat([header, data, Buffer.alloc(data.length & 1)]);
  };
  const unicodeName = Buffer.concat([Buffer.from([0, fileName.length]), Buffer.from(fileName, 'utf16le').swap16()]);
  const record = Buffer.concat([
    fixed,
    extra(2, Buffer.from(`Macintosh HD:Users:editor:Media:${fileName}`, 'latin1')),
    extra(14, unicodeName),
    extra(18, Buffer.from(`/Users/editor/Media/${fileName}`, 'utf8')),
    extra(-1, Buffer.alloc(0)),
  ]);
  record.writeUInt16BE(record.length, 4);
  return record;
}
