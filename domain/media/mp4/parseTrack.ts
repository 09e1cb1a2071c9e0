/** One 'trak' box to a MovieTrack: tkhd, tref, mdia (mdhd, hdlr, minf/stbl) and udta. */
import { MovieFormatError, type DataReference, type MovieTrack, type TrackKind } from '../movie.js';
import { childBodies, children, findChild, requireChild, type Box } from './box.js';
import { BoxReader } from './boxReader.js';
import { readDataReferences } from './dataReferences.js';
import { parseStsd } from './sampleEntries.js';
import { buildSampleTable, type SampleBudget } from './sampleTable.js';

export function parseTrack(trak: Box, fileSize: number, budget: SampleBudget): MovieTrack {
  const id = readTrackId(requireChild(trak, 'tkhd'));
  const mdia = requireChild(trak, 'mdia');
  const { timescale, duration } = readTimescaleAndDuration(requireChild(mdia, 'mdhd'));
  const handler = readHandler(requireChild(mdia, 'hdlr'));
  const kind = kindOf(handler);
  const minf = requireChild(mdia, 'minf');
  const stbl = requireChild(minf, 'stbl');
  const descriptions = parseStsd(requireChild(stbl, 'stsd'), kind);
  const dataReferences = readDref(minf);
  // Samples kept in another file cannot be checked against this file's size.
  const external =
    dataReferences !== undefined &&
    descriptions.some((d) => dataReferences[(d.dataReferenceIndex ?? 1) - 1]?.kind !== 'self');
  const samples = buildSampleTable(stbl, descriptions.length, external ? Number.MAX_SAFE_INTEGER : fileSize, budget);
  const tref = findChild(trak, 'tref');
  const udta = findChild(trak, 'udta');
  return {
    id,
    kind,
    handler,
    timescale,
    duration,
    descriptions,
    samples,
    references: tref === undefined ? new Map() : readReferences(tref),
    userData: udta === undefined ? new Map() : childBodies(udta),
    ...(dataReferences === undefined ? {} : { dataReferences }),
  };
}

/**
 * minf/dinf/dref, or undefined when it is missing or unreadable: such a track has
 * always been read from the movie file itself, and stays so.
 */
function readDref(minf: Box): DataReference[] | undefined {
  try {
    const dinf = findChild(minf, 'dinf');
    const dref = dinf === undefined ? undefined : findChild(dinf, 'dref');
    if (dref === undefined) return undefined;
    const refs = readDataReferences(dref);
    return refs.length === 0 ? undefined : refs;
  } catch (err) {
    if (err instanceof MovieFormatError) return undefined;
    throw err;
  }
}

export function kindOf(handler: string): TrackKind {
  switch (handler) {
    case 'vide':
      return 'video';
    case 'soun':
      return 'audio';
    case 'hint':
      return 'hint';
    case 'text':
    case 'sbtl':
    case 'subt':
      return 'text';
    default:
      return 'other';
  }
}

function readTrackId(tkhd: Box): number {
  const r = new BoxReader(tkhd);
  const { version } = r.fullBox();
  r.need(version === 1 ? 92 : 80, 'tkhd'); // the fixed-size rest of the box: a short one is cut off
  r.skip(version === 1 ? 16 : 8); // creation and modification times
  return r.u32();
}

/** Bytes after version/flags in mvhd and mdhd (v0, v1); a shorter box has been cut off. */
const HEADER_BODY_SIZES: Record<string, readonly [number, number]> = { mvhd: [96, 108], mdhd: [20, 32] };

/** mdhd and mvhd share the version 0/1 layout of times, timescale and duration. */
export function readTimescaleAndDuration(box: Box): { timescale: number; duration: number } {
  const r = new BoxReader(box);
  const { version } = r.fullBox();
  const sizes = HEADER_BODY_SIZES[box.type];
  if (sizes !== undefined) r.need(version === 1 ? sizes[1] : sizes[0], box.type);
  r.skip(version === 1 ? 16 : 8);
  const timescale = r.u32();
  const duration = version === 1 ? r.u64() : r.u32();
  // Every time in the box is divided by the timescale.
  if (timescale === 0) r.fail('timescale is 0');
  return { timescale, duration };
}


function readHandler(hdlr: Box): string {
  const r = new BoxReader(hdlr);
  r.fullBox();
  r.skip(4); // pre_defined (QuickTime: component type 'mhlr')
  return r.fourcc();
}

/** tref: one child per reference type, each a list of 32-bit track ids. */
function readReferences(tref: Box): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const ref of children(tref)) {
    const r = new BoxReader(ref);
    if (r.remaining % 4 !== 0) r.fail(`${r.remaining} bytes is not a list of 32-bit track ids`);
    const ids = map.get(ref.type) ?? [];
    while (r.remaining > 0) ids.push(r.u32());
    map.set(ref.type, ids);
  }
  return map;
}
