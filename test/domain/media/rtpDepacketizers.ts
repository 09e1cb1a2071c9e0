/**
 * Test helpers: receivers' side of the payload formats, written from the RFCs, so
 * tests can check that what the server sends reassembles into exactly the file's bytes.
 * Each one throws on anything the RFC does not allow.
 */
import assert from 'node:assert/strict';

/** RFC 6184: single NAL unit, STAP-A (24) and FU-A (28) payloads to NAL units. */
export class H264Depacketizer {
  readonly units: Buffer[] = [];
  readonly kinds = { single: 0, stapA: 0, fuA: 0 };
  private fu: Buffer[] | null = null;

  push(payload: Buffer): void {
    assert.ok(payload.length >= 1, 'empty H.264 payload');
    assert.equal(payload[0]! & 0x80, 0, 'forbidden_zero_bit set');
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      assert.equal(this.fu, null, 'single NAL unit inside an unfinished FU-A');
      this.kinds.single++;
      this.units.push(payload);
    } else if (type === 24) {
      assert.equal(this.fu, null, 'STAP-A inside an unfinished FU-A');
      this.kinds.stapA++;
      let pos = 1;
      while (pos < payload.length) {
        assert.ok(pos + 2 <= payload.length, 'STAP-A size runs past the payload');
        const size = payload.readUInt16BE(pos);
        pos += 2;
        assert.ok(size > 0 && pos + size <= payload.length, `STAP-A NAL of ${size} bytes runs past the payload`);
        this.units.push(payload.subarray(pos, pos + size));
        pos += size;
      }
    } else if (type === 28) {
      assert.ok(payload.length >= 3, 'FU-A without data');
      const header = payload[1]!;
      const start = (header & 0x80) !== 0;
      const end = (header & 0x40) !== 0;
      assert.ok(!(start && end), 'FU-A with both S and E');
      if (start) {
        assert.equal(this.fu, null, 'FU-A start inside an unfinished FU-A');
        this.kinds.fuA++;
        this.fu = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
      } else {
        assert.ok(this.fu !== null, 'FU-A continuation without a start');
      }
      this.fu.push(payload.subarray(2));
      if (end) {
        this.units.push(Buffer.concat(this.fu));
        this.fu = null;
      }
    } else {
      assert.fail(`H.264 payload type ${type} is not allowed in packetization-mode 1`);
    }
  }

  get pending(): boolean {
    return this.fu !== null;
  }
}

/** RFC 7798: single NAL unit, AP (48) and FU (49) payloads to NAL units (2-byte headers). */
export class H265Depacketizer {
  readonly units: Buffer[] = [];
  readonly kinds = { single: 0, ap: 0, fu: 0 };
  private fu: Buffer[] | null = null;

  push(payload: Buffer): void {
    assert.ok(payload.length >= 3, 'H.265 payload shorter than a header and a byte');
    assert.equal(payload[0]! & 0x80, 0, 'F bit set');
    const type = (payload[0]! >> 1) & 0x3f;
    if (type < 48) {
      assert.equal(this.fu, null, 'single NAL unit inside an unfinished FU');
      this.kinds.single++;
      this.units.push(payload);
    } else if (type === 48) {
      this.kinds.ap++;
      for (let pos = 2; pos < payload.length; ) {
        const size = payload.readUInt16BE(pos);
        pos += 2;
        assert.ok(size > 0 && pos + size <= payload.length);
        this.units.push(payload.subarray(pos, pos + size));
        pos += size;
      }
    } else if (type === 49) {
      const fuHeader = payload[2]!;
      const start = (fuHeader & 0x80) !== 0;
      const end = (fuHeader & 0x40) !== 0;
      assert.ok(!(start && end), 'FU with both S and E');
      if (start) {
        assert.equal(this.fu, null, 'FU start inside an unfinished FU');
        this.kinds.fu++;
        const fuType = fuHeader & 0x3f;
        // The NAL header: F and LayerId/TID from the payload header, type from the FU header.
        this.fu = [Buffer.from([(payload[0]! & 0x81) | (fuType << 1), payload[1]!])];
      } else {
        assert.ok(this.fu !== null, 'FU continuation without a start');
      }
      this.fu.push(payload.subarray(3));
      if (end) {
        this.units.push(Buffer.concat(this.fu));
        this.fu = null;
      }
    } else {
      assert.fail(`H.265 payload type ${type} is not handled`);
    }
  }
}

/**
 * RFC 3640 AAC-hbr (sizelength 13, indexlength 3, indexdeltalength 3): AU headers then
 * AUs; a fragmented AU (one header whose size exceeds the data) is joined across
 * packets until the marker.
 */
export class AacHbrDepacketizer {
  readonly accessUnits: Buffer[] = [];
  private fragment: { size: number; parts: Buffer[] } | null = null;

  push(payload: Buffer, marker: boolean): void {
    assert.ok(payload.length >= 2, 'AAC payload without AU-headers-length');
    const headerBits = payload.readUInt16BE(0);
    assert.equal(headerBits % 16, 0, 'AU headers are 16 bits each');
    const count = headerBits / 16;
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const h = payload.readUInt16BE(2 + i * 2);
      assert.equal(h & 0x7, 0, 'AU-Index/AU-Index-delta must be 0 (in-order AUs)');
      sizes.push(h >> 3);
    }
    let pos = 2 + count * 2;
    if (count === 1 && pos + sizes[0]! > payload.length) {
      // A fragment: the header carries the whole AU's size.
      this.fragment ??= { size: sizes[0]!, parts: [] };
      assert.equal(this.fragment.size, sizes[0], 'fragments of one AU disagree on its size');
      this.fragment.parts.push(payload.subarray(pos));
      assert.equal(marker, false, 'marker on a fragment that does not complete its AU');
      return;
    }
    if (this.fragment !== null) {
      assert.equal(count, 1);
      this.fragment.parts.push(payload.subarray(pos));
      const au = Buffer.concat(this.fragment.parts);
      assert.equal(au.length, this.fragment.size, 'fragments do not add up to the AU size');
      this.accessUnits.push(au);
      this.fragment = null;
      return;
    }
    for (const size of sizes) {
      assert.ok(pos + size <= payload.length, 'AU runs past the payload');
      this.accessUnits.push(payload.subarray(pos, pos + size));
      pos += size;
    }
    assert.equal(pos, payload.length, 'bytes left after the AUs');
  }
}

/** NAL units of an MP4 sample (length-prefixed). */
export function nalUnitsOf(sample: Buffer, lengthSize = 4): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < sample.length; ) {
    const size = sample.readUIntBE(pos, lengthSize);
    pos += lengthSize;
    assert.ok(pos + size <= sample.length, 'NAL length runs past the sample');
    if (size > 0) out.push(sample.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

/** Concatenates payload chunks into one packet body. */
export function joined(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
