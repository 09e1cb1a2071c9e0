/**
 * Motion JPEG over RTP (RFC 2435), checked against ffmpeg's MJPEG encoder: a receiver
 * rebuilding each frame from the packets gets the scan data and tables of the file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readJpegImage } from '../../../domain/media/jpeg/jpegImage.js';
import { JpegPacketizer } from '../../../domain/media/jpeg/jpegPacketizer.js';
import type { RtpPayload } from '../../../domain/media/packetizer.js';
import { createPacketizer } from '../../../domain/media/packetizerForTrack.js';
import { fixtureTrack, fixturesMissing } from './mediaFiles.js';

interface ReceivedFrame {
  typeSpecific: number;
  type: number;
  q: number;
  width: number;
  height: number;
  restartInterval: number | null;
  precision: number;
  tables: Buffer;
  scan: Buffer;
}

/** The receiver's side of RFC 2435 for Q >= 128: headers, tables from the first packet, offsets in order. */
function receive(payloads: readonly RtpPayload[]): ReceivedFrame[] {
  const frames: ReceivedFrame[] = [];
  let current: (ReceivedFrame & { parts: Buffer[]; next: number }) | null = null;
  for (const p of payloads) {
    const body = Buffer.concat(p.chunks);
    const offset = body.readUIntBE(1, 3);
    const type = body[4]!;
    let pos = 8;
    let restartInterval: number | null = null;
    if (type >= 64 && type <= 127) {
      restartInterval = body.readUInt16BE(8);
      assert.equal(body.readUInt16BE(10), 0xffff, 'F=1 L=1 count=0x3FFF');
      pos += 4;
    }
    if (offset === 0) {
      assert.equal(current, null, 'a new frame before the marker');
      assert.equal(body[pos], 0, 'MBZ');
      const precision = body[pos + 1]!;
      const length = body.readUInt16BE(pos + 2);
      const tables = body.subarray(pos + 4, pos + 4 + length);
      pos += 4 + length;
      current = { typeSpecific: body[0]!, type, q: body[5]!, width: body[6]! * 8, height: body[7]! * 8, restartInterval, precision, tables, scan: Buffer.alloc(0), parts: [], next: 0 };
    }
    assert.ok(current !== null, 'a fragment without its first packet');
    assert.equal(offset, current.next, 'fragment offsets are contiguous');
    assert.deepEqual([body[0], type, body[5]], [current.typeSpecific, current.type, current.q]);
    current.parts.push(body.subarray(pos));
    current.next += body.length - pos;
    if (p.marker) {
      const { parts, next: _, ...frame } = current;
      frames.push({ ...frame, scan: Buffer.concat(parts) });
      current = null;
    }
  }
  assert.equal(current, null, 'the last frame has its marker');
  return frames;
}

/** Independently of the packetizer: DQT tables and the scan of a one-image JPEG sample. */
function fileFacts(sample: Buffer): { tables: Buffer[]; scan: Buffer; dri: number } {
  const tables: Buffer[] = [];
  let dri = 0;
  let pos = 2;
  for (;;) {
    const marker = sample[pos + 1]!;
    const length = sample.readUInt16BE(pos + 2);
    if (marker === 0xdb) tables.push(sample.subarray(pos + 5, pos + 5 + 64));
    if (marker === 0xdd) dri = sample.readUInt16BE(pos + 4);
    if (marker === 0xda) return { tables, scan: sample.subarray(pos + 2 + length, sample.length - 2), dri };
    pos += 2 + length;
  }
}

describe('JpegPacketizer', () => {
  it('static payload type 26, JPEG/90000', () => {
    const p = new JpegPacketizer({ width: 160, height: 120 });
    assert.deepEqual([p.payloadType, p.rtpmap, p.clockRate, p.fmtp, p.extraAttributes], [26, 'JPEG/90000', 90000, null, ['framesize:26 160-120']]);
  });

  for (const [name, type, dri] of [
    ['mjpeg-restart.mov', 65, true],
    ['mjpeg-420.mov', 1, false],
  ] as const) {
    it(`${name}: type ${type}, Q 255 with the file's tables, the scan exactly`, { skip: fixturesMissing(name) }, () => {
      const f = fixtureTrack(name)!;
      const p = createPacketizer(f.track, 96);
      assert.ok(p instanceof JpegPacketizer);
      for (const size of [1400, 300]) {
        for (let i = 0; i < f.track.samples.count; i++) {
          const sample = f.sample(i);
          const payloads = p.packetize(sample, size);
          assert.ok(payloads.every((x) => Buffer.concat(x.chunks).length <= size));
          const [frame, ...more] = receive(payloads);
          assert.equal(more.length, 0);
          const facts = fileFacts(sample);
          assert.deepEqual([frame!.typeSpecific, frame!.type, frame!.q, frame!.precision], [0, type, 255, 0]);
          assert.deepEqual([frame!.width, frame!.height], [f.track.descriptions[0]!.width, f.track.descriptions[0]!.height]);
          assert.equal(frame!.restartInterval !== null, dri);
          if (dri) assert.equal(frame!.restartInterval, facts.dri);
          // ffmpeg writes one table used by every component: luma and chroma tables are both it.
          assert.equal(facts.tables.length, 1);
          assert.ok(frame!.tables.equals(Buffer.concat([facts.tables[0]!, facts.tables[0]!])));
          assert.ok(frame!.scan.equals(facts.scan), `sample ${i} scan at ${size}`);
          if (dri) assert.ok(facts.scan.includes(Buffer.from([0xff, 0xd0])), 'restart markers stay in the scan');
        }
      }
      assert.equal(p.skippedImages, 0);
    });
  }

  it("mjpeg-422.mov: ffmpeg's 4:2:2 (Y 2x2, chroma 1x2) has no RTP/JPEG type and is refused", { skip: fixturesMissing('mjpeg-422.mov') }, () => {
    const f = fixtureTrack('mjpeg-422.mov')!;
    const p = new JpegPacketizer();
    for (let i = 0; i < f.track.samples.count; i++) assert.deepEqual(p.packetize(f.sample(i), 1400), []);
    assert.equal(p.skippedImages, f.track.samples.count);
    assert.equal(p.lastProblem, 'sampling 2x2,1x2,1x2: only 4:2:2 and 4:2:0 have RTP/JPEG types');
  });

  describe('images RFC 2435 cannot carry, type 0, and interlaced fields', { skip: fixturesMissing('mjpeg-420.mov') }, () => {
    const sample = () => Buffer.from(fixtureTrack('mjpeg-420.mov')!.sample(0));
    const at = (b: Buffer, marker: number) => b.indexOf(Buffer.from([0xff, marker]));

    it('two images in one sample are the odd and even fields of one frame', () => {
      const one = sample();
      const payloads = new JpegPacketizer().packetize(Buffer.concat([one, Buffer.alloc(3), one]), 1400);
      const frames = receive(payloads);
      assert.deepEqual(frames.map((f) => f.typeSpecific), [1, 2]);
      assert.ok(frames[1]!.scan.equals(frames[0]!.scan));
    });

    it('Y sampled 2x1 with 1x1 chroma is type 0 (4:2:2)', () => {
      const b = sample();
      b[at(b, 0xc0) + 11] = 0x21; // Y: H=2, V=1 (the scan no longer matches; the packetizer does not decode)
      const [frame] = receive(new JpegPacketizer().packetize(b, 1400));
      assert.deepEqual([frame!.type, frame!.width, frame!.height], [0, 96, 64]);
    });

    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['custom Huffman tables', (b) => void (b[at(b, 0xc4) + 30] = b[at(b, 0xc4) + 30]! ^ 1), /Huffman/],
      ['progressive JPEG', (b) => void (b[at(b, 0xc0) + 1] = 0xc2), /SOF2/],
      ['4:4:4 sampling', (b) => void (b[at(b, 0xc0) + 11] = 0x11), /sampling 1x1/],
      ['a truncated image', (b) => b.fill(0, at(b, 0xda)), /scan|truncated/],
    ];
    for (const [name, damage, why] of cases) {
      it(`skips ${name} and says why`, () => {
        const b = sample();
        damage(b);
        const p = new JpegPacketizer();
        assert.deepEqual(p.packetize(b, 1400), []);
        assert.equal(p.skippedImages, 1);
        assert.match(p.lastProblem!, why);
      });
    }

    it('16-bit quantization tables set their precision bit', () => {
      const b = sample();
      const dqt = at(b, 0xdb);
      // Rebuild the DQT segment with a 16-bit table (Pq=1): 2 bytes per entry.
      const table = b.subarray(dqt + 5, dqt + 5 + 64);
      const wide = Buffer.alloc(128);
      for (let i = 0; i < 64; i++) wide.writeUInt16BE(table[i]!, i * 2);
      const segment = Buffer.concat([Buffer.from([0xff, 0xdb, 0, 131, 0x10]), wide]);
      const rebuilt = Buffer.concat([b.subarray(0, dqt), segment, b.subarray(dqt + 2 + 67)]);
      const image = readJpegImage(rebuilt);
      assert.ok(image !== null && !('problem' in image));
      assert.equal(image.precision, 3);
      const [frame] = receive(new JpegPacketizer().packetize(rebuilt, 1400));
      assert.equal(frame!.precision, 3);
      assert.equal(frame!.tables.length, 256);
    });
  });

  it('Motion JPEG B is named as unsupported', { skip: fixturesMissing('mjpeg-420.mov') }, () => {
    const f = fixtureTrack('mjpeg-420.mov')!;
    assert.deepEqual(createPacketizer({ ...f.track, descriptions: [{ ...f.track.descriptions[0]!, format: 'mjpb' }] }, 96), {
      unsupported: "codec 'mjpb' (Motion JPEG B) has no packetizer yet",
    });
  });
});
