/** Test helpers: the sample movies and their moov boxes, found with the domain's header parser. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBoxHeader } from '../../../domain/media/mp4/boxHeader.js';

export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const samplePath = path.join(repoRoot, 'adapters/files/sample/sample.mp4');
export const hintedPath = path.resolve(repoRoot, '../shared/media/sample_h264_100kbit.mp4');

export interface LoadedMovie {
  readonly file: Buffer;
  /** The whole moov box, header included. */
  readonly moov: Buffer;
  readonly moovOffset: number;
}

/** Scans top-level boxes the way the file adapter does: 16-byte header reads. */
export function loadMovie(file: string): LoadedMovie {
  const bytes = readFileSync(file);
  let offset = 0;
  while (offset < bytes.length) {
    const header = parseBoxHeader(bytes.subarray(offset, offset + 16), offset, bytes.length - offset);
    if (header.type === 'moov') {
      return { file: bytes, moov: bytes.subarray(offset, offset + header.size), moovOffset: offset };
    }
    offset += header.size;
  }
  throw new Error(`${file}: no moov box`);
}

export function hintedAvailable(): boolean {
  if (existsSync(hintedPath)) return true;
  console.warn(`\n!!! SKIPPING hinted-movie tests: ${hintedPath} is missing !!!\n`);
  return false;
}
