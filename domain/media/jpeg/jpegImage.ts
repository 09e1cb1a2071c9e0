/**
 * Reading one baseline JPEG image (ISO/IEC 10918-1) the way RFC 2435 needs it: the
 * frame size, the chroma layout (RTP/JPEG types 0 and 1), the quantization tables the
 * components use, the restart interval, and the entropy-coded scan that becomes the
 * payload. The image is not decoded. RFC 2435 carries no Huffman tables: receivers
 * use the example tables of ITU-T T.81 Annex K.3, so an image coded with other tables
 * cannot be sent faithfully and is reported as such.
 */

export interface JpegImage {
  readonly width: number;
  readonly height: number;
  /** RTP/JPEG type: 0 = 4:2:2 (Y sampled 2x1), 1 = 4:2:0 (2x2); chroma 1x1 in both. */
  readonly type: 0 | 1;
  /** The luma table then the chroma table, each 64 (8-bit) or 128 (16-bit) bytes, views into the image. */
  readonly quantizationTables: readonly [Buffer, Buffer];
  /** Bit 0: luma table is 16-bit; bit 1: chroma table is 16-bit (RFC 2435 Precision). */
  readonly precision: number;
  /** Restart interval in MCUs from DRI; 0 without restart markers. */
  readonly restartInterval: number;
  /** Entropy-coded data from after the SOS header up to (not including) EOI, RST markers kept. */
  readonly scan: Buffer;
  /** Offset just past this image's EOI in the input. */
  readonly end: number;
}

export type JpegImageResult = JpegImage | { readonly problem: string; readonly end: number };

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DQT = 0xdb;
const DHT = 0xc4;
const DRI = 0xdd;
const SOF0 = 0xc0;
const SOF1 = 0xc1;

/**
 * Standard Huffman tables (T.81 Annex K.3): BITS (codes of each length 1..16) and
 * HUFFVAL, keyed by table class and destination (0x00 DC luma, 0x01 DC chroma, 0x10 AC
 * luma, 0x11 AC chroma).
 */
const STANDARD_HUFFMAN_TABLES: ReadonlyMap<number, string> = new Map([
  [0x00, '00010501010101010100000000000000' + '000102030405060708090a0b'],
  [0x01, '00030101010101010101010000000000' + '000102030405060708090a0b'],
  [
    0x10,
    '0002010303020403050504040000017d' +
      '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a' +
      '3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293' +
      '9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6' +
      'e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  ],
  [
    0x11,
    '00020102040403040705040400010277' +
      '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a2627' +
      '28292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a8283848586878889' +
      '8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4' +
      'e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  ],
]);

/** The first JPEG image at or after `from` (the SOI is searched for; fields may be padded). */
export function readJpegImage(bytes: Buffer, from = 0): JpegImageResult | null {
  let pos = findSoi(bytes, from);
  if (pos < 0) return null;
  const fail = (problem: string, end = bytes.length): JpegImageResult => ({ problem, end });
  pos += 2;
  const tables = new Map<number, Buffer>();
  const tablePrecision = new Map<number, number>();
  let restartInterval = 0;
  let frame: { width: number; height: number; components: Array<{ id: number; h: number; v: number; tq: number }> } | null = null;
  let standardHuffman = true;
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    while (pos < bytes.length && bytes[pos] === 0xff && bytes[pos + 1] === 0xff) pos++;
    if (pos + 4 > bytes.length || bytes[pos] !== 0xff) return fail('truncated before the scan');
    const marker = bytes[pos + 1]!;
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    if (marker === EOI) return fail('no scan before EOI', pos + 2);
    const length = bytes.readUInt16BE(pos + 2);
    const start = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) return fail(`segment 0x${marker.toString(16)} runs past the end`);
    const body = bytes.subarray(start, end);
    if (marker === DQT) {
      for (let p = 0; p < body.length; ) {
        const pq = body[p]! >> 4;
        const tq = body[p]! & 0x0f;
        const size = pq === 0 ? 64 : 128;
        if (p + 1 + size > body.length) return fail('DQT table is truncated');
        tables.set(tq, body.subarray(p + 1, p + 1 + size));
        tablePrecision.set(tq, pq);
        p += 1 + size;
      }
    } else if (marker === DHT) {
      for (let p = 0; p < body.length; ) {
        if (p + 17 > body.length) return fail('DHT table is truncated');
        let count = 0;
        for (let i = 1; i <= 16; i++) count += body[p + i]!;
        const table = body.subarray(p, p + 17 + count);
        if (table.length !== 17 + count) return fail('DHT table is truncated');
        if (STANDARD_HUFFMAN_TABLES.get(table[0]!) !== table.toString('hex', 1)) standardHuffman = false;
        p += 17 + count;
      }
    } else if (marker === DRI) {
      if (body.length < 2) return fail('DRI is truncated');
      restartInterval = body.readUInt16BE(0);
    } else if (marker === SOF0 || marker === SOF1) {
      if (body.length < 6 || body[0] !== 8) return fail('only 8-bit baseline JPEG can be sent');
      const nf = body[5]!;
      if (body.length < 6 + nf * 3) return fail('SOF is truncated');
      const components = [];
      for (let c = 0; c < nf; c++) {
        const at = 6 + c * 3;
        components.push({ id: body[at]!, h: body[at + 1]! >> 4, v: body[at + 1]! & 0x0f, tq: body[at + 2]! });
      }
      frame = { height: body.readUInt16BE(1), width: body.readUInt16BE(3), components };
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== DHT && marker !== 0xc8 && marker !== 0xcc) {
      return fail(`SOF${marker - 0xc0} (not baseline) cannot be sent`);
    } else if (marker === SOS) {
      const scanEnd = findScanEnd(bytes, end);
      if (scanEnd < 0) return fail('scan has no end');
      const imageEnd = bytes[scanEnd + 1] === EOI ? scanEnd + 2 : scanEnd;
      if (bytes[scanEnd + 1] !== EOI) return fail('more than one scan (progressive or non-interleaved)', imageEnd);
      if (frame === null) return fail('scan without a frame header', imageEnd);
      if (!standardHuffman) return fail('Huffman tables are not the standard ones RFC 2435 requires', imageEnd);
      return describe(frame, tables, tablePrecision, restartInterval, bytes.subarray(end, scanEnd), imageEnd);
    }
    pos = end;
  }
}

function describe(
  frame: { width: number; height: number; components: Array<{ id: number; h: number; v: number; tq: number }> },
  tables: Map<number, Buffer>,
  precisions: Map<number, number>,
  restartInterval: number,
  scan: Buffer,
  end: number,
): JpegImageResult {
  const [y, cb, cr] = frame.components;
  if (frame.components.length !== 3 || y === undefined || cb === undefined || cr === undefined) {
    return { problem: `${frame.components.length} components: RTP/JPEG carries YCbCr only`, end };
  }
  if (cb.h !== 1 || cb.v !== 1 || cr.h !== 1 || cr.v !== 1 || y.h !== 2 || (y.v !== 1 && y.v !== 2)) {
    return { problem: `sampling ${y.h}x${y.v},${cb.h}x${cb.v},${cr.h}x${cr.v}: only 4:2:2 and 4:2:0 have RTP/JPEG types`, end };
  }
  const width8 = Math.ceil(frame.width / 8);
  const height8 = Math.ceil(frame.height / 8);
  if (width8 > 255 || height8 > 255 || width8 === 0 || height8 === 0) {
    return { problem: `${frame.width}x${frame.height} is outside RTP/JPEG's 8..2040 pixels`, end };
  }
  const luma = tables.get(y.tq);
  const chroma = tables.get(cb.tq);
  if (luma === undefined || chroma === undefined) return { problem: 'a quantization table is missing', end };
  const precision = (precisions.get(y.tq) ?? 0) | ((precisions.get(cb.tq) ?? 0) << 1);
  return {
    width: frame.width,
    height: frame.height,
    type: y.v === 1 ? 0 : 1,
    quantizationTables: [luma, chroma],
    precision,
    restartInterval,
    scan,
    end,
  };
}

function findSoi(bytes: Buffer, from: number): number {
  for (let i = Math.max(0, from); i + 1 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === SOI) return i;
  }
  return -1;
}

/** The 0xFF of the first marker after entropy-coded data (stuffed 0xFF00 and RSTn are data). */
function findScanEnd(bytes: Buffer, from: number): number {
  for (let i = bytes.indexOf(0xff, from); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) {
    const next = bytes[i + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
    return i;
  }
  return -1;
}
