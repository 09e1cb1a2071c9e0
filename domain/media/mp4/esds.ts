/**
 * The MPEG-4 elementary stream descriptor (ISO/IEC 14496-1 section 7.2.6) carried in an
 * 'esds' box: ES_Descriptor (tag 3) > DecoderConfigDescriptor (tag 4) >
 * DecoderSpecificInfo (tag 5). Only what RTP needs is extracted.
 */
import type { Box } from './box.js';
import { BoxReader } from './boxReader.js';

export interface EsDescriptorInfo {
  readonly objectTypeIndication?: number;
  /** The DecoderSpecificInfo bytes (an AudioSpecificConfig for MPEG-4 audio). */
  readonly decoderSpecificInfo?: Buffer;
}

const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;

export function parseEsds(box: Box): EsDescriptorInfo {
  const r = new BoxReader(box);
  r.fullBox();
  const es = readDescriptorHeader(r);
  if (es.tag !== ES_DESCRIPTOR) r.fail(`expected ES_Descriptor (tag 3), found tag ${es.tag}`);
  const esEnd = r.pos + es.length;
  r.skip(2); // ES_ID
  const flags = r.u8();
  if (flags & 0x80) r.skip(2); // dependsOn_ES_ID
  if (flags & 0x40) r.skip(r.u8()); // URL
  if (flags & 0x20) r.skip(2); // OCR_ES_Id
  // Sub-descriptors: look for the DecoderConfigDescriptor, skip the rest (SLConfig, ...).
  while (r.pos < esEnd) {
    const d = readDescriptorHeader(r);
    const end = r.pos + d.length;
    if (d.tag === DECODER_CONFIG) return readDecoderConfig(r, end);
    r.pos = end;
  }
  return {};
}

function readDecoderConfig(r: BoxReader, end: number): EsDescriptorInfo {
  const objectTypeIndication = r.u8();
  r.skip(12); // streamType/upStream, bufferSizeDB, maxBitrate, avgBitrate
  while (r.pos < end) {
    const d = readDescriptorHeader(r);
    if (d.tag === DECODER_SPECIFIC_INFO) return { objectTypeIndication, decoderSpecificInfo: r.bytes(d.length) };
    r.skip(d.length);
  }
  return { objectTypeIndication };
}

/** A descriptor tag and its expandable length (up to four 7-bit groups), checked against the box. */
function readDescriptorHeader(r: BoxReader): { tag: number; length: number } {
  const tag = r.u8();
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8();
    length = length * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  r.need(length, `descriptor tag ${tag}`);
  return { tag, length };
}
