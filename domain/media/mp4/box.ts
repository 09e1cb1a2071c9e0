/**
 * A box inside an in-memory buffer (the moov), and iteration over a box's children.
 * Every child advances the cursor by at least its 8-byte header, so iteration always
 * ends; children running past their parent are refused; nesting depth is capped so
 * corrupt or hostile files cannot drive unbounded recursion.
 */
import { MovieFormatError } from '../movie.js';
import { parseBoxHeader, printable } from './boxHeader.js';

/** Deeper than any structure the parser walks (moov/trak/mdia/minf/stbl/stsd/entry/wave/esds is 9). */
export const MAX_BOX_DEPTH = 16;

export interface Box {
  readonly type: string;
  /** Slash-separated location for error messages, e.g. 'moov/trak[2]/mdia/minf/stbl/stco'. */
  readonly path: string;
  readonly depth: number;
  readonly buf: Buffer;
  /** Offset of the header in `buf`. */
  readonly start: number;
  /** Offset of the body (after the header) in `buf`. */
  readonly bodyStart: number;
  /** Offset just past the box in `buf`. */
  readonly end: number;
}

/** The box at the very start of `buf` (e.g. a moov read with its header), filling no more than `buf`. */
export function rootBox(buf: Buffer, expectedType: string): Box {
  const header = parseBoxHeader(buf.subarray(0, 16), 0, buf.length);
  if (header.type !== expectedType) {
    throw new MovieFormatError(`expected a '${expectedType}' box, found '${printable(header.type)}'`, expectedType);
  }
  return {
    type: header.type,
    path: printable(header.type),
    depth: 0,
    buf,
    start: 0,
    bodyStart: header.headerSize,
    end: header.size,
  };
}

/** A region of `parent`'s body seen as boxes, starting at `from` (defaults to the body start). */
export function* children(parent: Box, from: number = parent.bodyStart): Generator<Box> {
  if (parent.depth >= MAX_BOX_DEPTH) {
    throw new MovieFormatError(`${parent.path}: boxes nested deeper than ${MAX_BOX_DEPTH}`, parent.path);
  }
  const { buf, end } = parent;
  let pos = from;
  while (pos < end) {
    const left = end - pos;
    // QuickTime ends some lists (udta) with a 32-bit zero terminator; nothing else may be short.
    if (left < 8) {
      if (left === 4 && buf.readUInt32BE(pos) === 0) return;
      throw new MovieFormatError(`${parent.path}: ${left} stray bytes at the end`, parent.path);
    }
    let header;
    try {
      header = parseBoxHeader(buf.subarray(pos, Math.min(end, pos + 32)), pos, left);
    } catch (err) {
      if (err instanceof MovieFormatError) {
        throw new MovieFormatError(`${parent.path}: ${err.message}`, `${parent.path}/${err.box}`);
      }
      throw err;
    }
    yield {
      type: header.type,
      path: `${parent.path}/${printable(header.type)}`,
      depth: parent.depth + 1,
      buf,
      start: pos,
      bodyStart: pos + header.headerSize,
      end: pos + header.size,
    };
    pos += header.size;
  }
}

/** The first child of the given type, or undefined. */
export function findChild(parent: Box, type: string): Box | undefined {
  for (const child of children(parent)) if (child.type === type) return child;
  return undefined;
}

/** The first child of the given type; a MovieFormatError naming the missing box otherwise. */
export function requireChild(parent: Box, type: string): Box {
  const child = findChild(parent, type);
  if (child === undefined) {
    throw new MovieFormatError(`${parent.path}: missing '${type}' box`, `${parent.path}/${type}`);
  }
  return child;
}

/** Raw bodies of the children by type (first occurrence wins), e.g. udta or sample-entry extensions. */
export function childBodies(parent: Box, from?: number): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const child of children(parent, from)) {
    if (!map.has(child.type)) map.set(child.type, child.buf.subarray(child.bodyStart, child.end));
  }
  return map;
}

