/**
 * Motion JPEG over RTP, RFC 2435, static payload type 26, 90 kHz. Each JPEG image of a
 * sample ('jpeg' and 'mjpa' store one per frame, or one per field for interlaced
 * 'mjpa') becomes packets of
 *
 *   main header (8): type-specific, 24-bit fragment offset, type, Q, width/8, height/8
 *   restart marker header (4, types 64-65 only): restart interval, F=1 L=1 count 0x3FFF
 *   quantization table header + tables (first packet only, Q >= 128)
 *   scan data
 *
 * Q is 255: the tables travel in-band with every frame, since they may change from
 * one frame to the next. With restart markers the F/L/count values say "reassemble the
 * whole frame before decoding", which is valid for any split; splitting on restart
 * intervals would only help receivers that decode partial frames. Tables are views into
 * the sample; each packet's headers are a new small buffer.
 */
import type { Packetizer, RtpPayload } from '../packetizer.js';
import { readJpegImage, type JpegImage } from './jpegImage.js';
import { framesizeAttributes } from '../framesizeAttribute.js';

export const JPEG_PAYLOAD_TYPE = 26;
const MAIN_HEADER = 8;
const RESTART_HEADER = 4;
const QUANT_HEADER = 4;
const Q_IN_BAND = 255;
/** Type-specific values for interlaced fields. */
const PROGRESSIVE = 0;
const ODD_FIELD = 1;
const EVEN_FIELD = 2;

export class JpegPacketizer implements Packetizer {
  readonly payloadType = JPEG_PAYLOAD_TYPE;
  readonly clockRate = 90000;
  readonly mediaType = 'video' as const;
  readonly rtpmap = 'JPEG/90000';
  readonly fmtp = null;
  readonly extraAttributes: readonly string[];
  private skipped = 0;
  private problem: string | null = null;

  constructor(options: { width?: number; height?: number } = {}) {
    const { width, height } = options;
    this.extraAttributes = framesizeAttributes(JPEG_PAYLOAD_TYPE, width, height);
  }

  /** Images that RFC 2435 cannot carry (progressive, 4:4:4, custom Huffman tables, ...), skipped. */
  get skippedImages(): number {
    return this.skipped;
  }

  /** Why the last skipped image was skipped. */
  get lastProblem(): string | null {
    return this.problem;
  }

  packetize(sample: Buffer, maxPayloadSize: number): RtpPayload[] {
    const images: JpegImage[] = [];
    for (let from = 0; from < sample.length; ) {
      const result = readJpegImage(sample, from);
      if (result === null) break;
      if ('problem' in result) {
        this.skipped++;
        this.problem = result.problem;
      } else {
        images.push(result);
      }
      if (result.end <= from) break;
      from = result.end;
    }
    const payloads: RtpPayload[] = [];
    images.forEach((image, i) => {
      const typeSpecific = images.length === 1 ? PROGRESSIVE : i % 2 === 0 ? ODD_FIELD : EVEN_FIELD;
      packetizeImage(image, typeSpecific, maxPayloadSize, payloads);
    });
    return payloads;
  }
}

function packetizeImage(image: JpegImage, typeSpecific: number, maxPayloadSize: number, out: RtpPayload[]): void {
  const restart = image.restartInterval > 0;
  const type = image.type + (restart ? 64 : 0);
  const [luma, chroma] = image.quantizationTables;
  const tablesLength = luma.length + chroma.length;
  const fixed = MAIN_HEADER + (restart ? RESTART_HEADER : 0);
  const firstExtra = QUANT_HEADER + tablesLength;
  if (maxPayloadSize <= fixed + firstExtra) throw new RangeError(`maxPayloadSize ${maxPayloadSize} cannot hold the JPEG headers`);
  const scan = image.scan;
  let offset = 0;
  do {
    const first = offset === 0;
    const room = maxPayloadSize - fixed - (first ? firstExtra : 0);
    const end = Math.min(scan.length, offset + room);
    const header = Buffer.alloc(fixed + (first ? QUANT_HEADER : 0));
    header[0] = typeSpecific;
    header.writeUIntBE(offset, 1, 3);
    header[4] = type;
    header[5] = Q_IN_BAND;
    header[6] = Math.ceil(image.width / 8);
    header[7] = Math.ceil(image.height / 8);
    if (restart) {
      header.writeUInt16BE(image.restartInterval, MAIN_HEADER);
      header.writeUInt16BE(0xffff, MAIN_HEADER + 2); // F=1, L=1, restart count 0x3FFF
    }
    const chunks: Buffer[] = [header];
    if (first) {
      header[fixed] = 0; // MBZ
      header[fixed + 1] = image.precision;
      header.writeUInt16BE(tablesLength, fixed + 2);
      chunks.push(luma, chroma);
    }
    if (end > offset) chunks.push(scan.subarray(offset, end));
    out.push({ chunks, marker: end === scan.length });
    offset = end;
  } while (offset < scan.length);
}
