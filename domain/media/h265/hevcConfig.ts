/** The HEVCDecoderConfigurationRecord of an 'hvcC' box (ISO/IEC 14496-15 section 8.3.3). */
import { MovieFormatError } from '../movie.js';

export interface HevcConfig {
  readonly profileSpace: number;
  readonly tierFlag: number;
  readonly profileIdc: number;
  readonly profileCompatibilityFlags: number;
  /** The 48-bit general_constraint_indicator_flags, as 6 bytes. */
  readonly constraintIndicatorFlags: Buffer;
  readonly levelIdc: number;
  /** Bytes of the length prefix before each NAL unit in a sample (1, 2 or 4). */
  readonly nalLengthSize: number;
  /** Parameter sets by NAL unit type, views into the input. */
  readonly vps: Buffer[];
  readonly sps: Buffer[];
  readonly pps: Buffer[];
  /** Other arrays (SEI, ...), kept for completeness. */
  readonly other: Buffer[];
}

export const HEVC_NAL_VPS = 32;
export const HEVC_NAL_SPS = 33;
export const HEVC_NAL_PPS = 34;
/** configurationVersion .. numOfArrays: 23 bytes. */
const FIXED_SIZE = 23;

export function parseHevcConfig(hvcC: Buffer): HevcConfig {
  const fail = (message: string): never => {
    throw new MovieFormatError(`hvcC: ${message}`, 'hvcC');
  };
  if (hvcC.length < FIXED_SIZE) fail(`truncated header (${hvcC.length} bytes)`);
  if (hvcC[0] !== 1) fail(`configurationVersion ${hvcC[0]} is not 1`);
  const b1 = hvcC[1]!;
  const config = {
    profileSpace: b1 >> 6,
    tierFlag: (b1 >> 5) & 1,
    profileIdc: b1 & 0x1f,
    profileCompatibilityFlags: hvcC.readUInt32BE(2),
    constraintIndicatorFlags: hvcC.subarray(6, 12),
    levelIdc: hvcC[12]!,
    nalLengthSize: (hvcC[21]! & 0x03) + 1,
    vps: [] as Buffer[],
    sps: [] as Buffer[],
    pps: [] as Buffer[],
    other: [] as Buffer[],
  };
  const arrays = hvcC[22]!;
  let pos = FIXED_SIZE;
  for (let a = 0; a < arrays; a++) {
    if (pos + 3 > hvcC.length) fail(`array ${a + 1} header is truncated`);
    const type = hvcC[pos]! & 0x3f;
    const count = hvcC.readUInt16BE(pos + 1);
    pos += 3;
    for (let n = 0; n < count; n++) {
      if (pos + 2 > hvcC.length) fail(`array ${a + 1} NAL unit ${n + 1} length is truncated`);
      const length = hvcC.readUInt16BE(pos);
      pos += 2;
      if (pos + length > hvcC.length) fail(`array ${a + 1} NAL unit ${n + 1} runs past the end`);
      const nal = hvcC.subarray(pos, pos + length);
      pos += length;
      if (type === HEVC_NAL_VPS) config.vps.push(nal);
      else if (type === HEVC_NAL_SPS) config.sps.push(nal);
      else if (type === HEVC_NAL_PPS) config.pps.push(nal);
      else config.other.push(nal);
    }
  }
  return config;
}
