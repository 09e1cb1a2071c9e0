import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32c } from '../../eventstore/embedded/crc32c.js';
import { countIntactRecords } from '../../eventstore/embedded/logRecovery.js';
import {
  RECORD_HEADER_BYTES,
  RecordDecodeError,
  decodeHead,
  decodeRecord,
  encodeRecord,
  encodeSegmentHeader,
  parseRecordHeader,
  segmentHeaderProblem,
  serializeBody,
} from '../../eventstore/embedded/recordCodec.js';

describe('crc32c', () => {
  it('matches the standard check values', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('composes over pieces and agrees with a bytewise reference on any input', () => {
    const reference = (data: Uint8Array): number => {
      let c = 0xffffffff;
      for (const byte of data) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const data = Buffer.from(bytes);
        const at = data.length === 0 ? 0 : cut % (data.length + 1);
        assert.equal(crc32c(data), reference(data));
        assert.equal(crc32c(data, at, data.length, crc32c(data, 0, at)), crc32c(data));
      }),
    );
  });
});

describe('record codec', () => {
  it('round-trips any event, and the fast head decoder agrees with the full one', () => {
    const json = fc.jsonValue() as fc.Arbitrary<unknown>;
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.nat(),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        json,
        fc.dictionary(fc.string(), json),
        (id, stream, type, revision, position, data, metadata) => {
          const body = serializeBody({ id, type, data, metadata });
          const record = encodeRecord(id, stream, revision, position, type, 1_700_000_000_000, body);
          const event = decodeRecord(record, 0, record.length);
          assert.equal(event.id, id);
          assert.equal(event.stream, stream);
          assert.equal(event.type, type);
          assert.equal(event.revision, revision);
          assert.equal(event.position, position);
          assert.deepEqual(event.data, JSON.parse(body.dataJson));
          assert.deepEqual(event.metadata, JSON.parse(body.metadataJson));
          assert.deepEqual(decodeHead(record, RECORD_HEADER_BYTES, record.length), { id, stream, revision, position, type });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('detects any single flipped bit in a record', () => {
    const record = encodeRecord('id-1', 'stream', 3, 1234, 'Type', 1, serializeBody({ id: 'id-1', type: 'Type', data: { a: [1, 2, 3] } }));
    for (let bit = 0; bit < record.length * 8; bit++) {
      const damaged = Buffer.from(record);
      damaged[bit >> 3] = damaged[bit >> 3]! ^ (1 << (bit & 7));
      assert.throws(() => decodeRecord(damaged, 0, record.length), RecordDecodeError, `bit ${bit}`);
    }
  });

  it('protects the length with the header checksum', () => {
    const record = encodeRecord('id-1', 's', 0, 16, 'T', 1, serializeBody({ id: 'id-1', type: 'T', data: null }));
    assert.equal(typeof parseRecordHeader(record, 0), 'object');
    record.writeUInt32LE(record.readUInt32LE(0) + 1, 0);
    assert.equal(parseRecordHeader(record, 0), 'record header checksum mismatch');
  });

  it('checks segment headers', () => {
    const header = encodeSegmentHeader(7);
    assert.equal(segmentHeaderProblem(header, 7), undefined);
    assert.match(segmentHeaderProblem(header, 8)!, /says segment 7/);
    const damaged = Buffer.from(header);
    damaged[9] = 1;
    assert.match(segmentHeaderProblem(damaged, 7)!, /checksum/);
    assert.match(segmentHeaderProblem(Buffer.alloc(16), 7)!, /magic/);
  });

  it('finds intact records after damage by resynchronizing', () => {
    const records = Array.from({ length: 4 }, (_, i) =>
      encodeRecord(`id-${i}`, 's', i, 16, 'T', 1, serializeBody({ id: `id-${i}`, type: 'T', data: { i } })),
    );
    const log = Buffer.concat(records);
    assert.equal(countIntactRecords(log, 0), 4);
    const damaged = Buffer.from(log);
    const at = records[0]!.length + 20;
    damaged[at] = damaged[at]! ^ 0xff;
    assert.equal(countIntactRecords(damaged, records[0]!.length + 1), 2);
  });
});
