/** Splitting an MP4 sample (length-prefixed NAL units, "AVCC" format) into NAL units. */

export interface SplitNalUnits {
  /** Views into the sample; empty (zero-length) NAL units are dropped. */
  readonly units: Buffer[];
  /** True when a length prefix ran past the end: `units` holds what came before it. */
  readonly truncated: boolean;
}

export function splitNalUnits(sample: Buffer, lengthSize: number): SplitNalUnits {
  const units: Buffer[] = [];
  let pos = 0;
  while (pos < sample.length) {
    if (pos + lengthSize > sample.length) return { units, truncated: true };
    const length = sample.readUIntBE(pos, lengthSize);
    pos += lengthSize;
    if (pos + length > sample.length) return { units, truncated: true };
    if (length > 0) units.push(sample.subarray(pos, pos + length));
    pos += length;
  }
  return { units, truncated: false };
}
