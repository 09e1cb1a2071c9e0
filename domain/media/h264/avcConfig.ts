/** The AVCDecoderConfigurationRecord of an 'avcC' box (ISO/IEC 14496-15 section 5.3.3). */
import { MovieFormatError } from '../movie.js';

export interface AvcConfig {
  readonly profileIndication: number;
  readonly profileCompatibility: number;
  readonly levelIndication: number;
  /** Bytes of the length prefix before each NAL unit in a sample (1, 2 or 4). */
  readonly nalLengthSize: number;
  /** Sequence parameter set NAL units, views into the input. */
  readonly sps: Buffer[];
  /** Picture parameter set NAL units, views into the input. */
  readonly pps: Buffer[];
}

/** Parses an avcC body; the trailing High-profile fields, when present, are ignored. */
export function parseAvcConfig(avcC: Buffer): AvcConfig {
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > avcC.length) {
      throw new MovieFormatError(`avcC: truncated at ${what} (${avcC.length} bytes)`, 'avcC');
    }
  };
  need(6, 'header');
  const version = avcC[0]!;
  if (version !== 1) throw new MovieFormatError(`avcC: configurationVersion ${version} is not 1`, 'avcC');
  const profileIndication = avcC[1]!;
  const profileCompatibility = avcC[2]!;
  const levelIndication = avcC[3]!;
  // lengthSizeMinusOne 2 (3-byte lengths) is reserved, but harmless to support.
  const nalLengthSize = (avcC[4]! & 0x03) + 1;
  pos = 5;
  const readSets = (count: number, what: string): Buffer[] => {
    const sets: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      need(2, `${what} ${i + 1} length`);
      const length = avcC.readUInt16BE(pos);
      pos += 2;
      need(length, `${what} ${i + 1}`);
      sets.push(avcC.subarray(pos, pos + length));
      pos += length;
    }
    return sets;
  };
  const sps = readSets(avcC[pos++]! & 0x1f, 'SPS');
  need(1, 'PPS count');
  const pps = readSets(avcC[pos++]!, 'PPS');
  return { profileIndication, profileCompatibility, levelIndication, nalLengthSize, sps, pps };
}
