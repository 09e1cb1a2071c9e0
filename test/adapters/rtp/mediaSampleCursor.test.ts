import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MovieFileReader } from '../../../adapters/files/movieFileReader.js';
import { MediaSampleCursor } from '../../../adapters/rtp/mediaSampleCursor.js';
import { PayloadCache } from '../../../adapters/rtp/payloadCache.js';
import type { TrackSender } from '../../../adapters/rtp/trackSender.js';
import type { MovieTrack } from '../../../domain/media/movie.js';
import type { Packetizer } from '../../../domain/media/packetizer.js';

/** Three one-second samples of 4 bytes each at offsets 0, 4, 8 of a 12-byte "file". */
const file = Buffer.from('aaaabbbbcccc');
const track = {
  timescale: 1,
  samples: {
    count: 3,
    offsets: Float64Array.of(0, 4, 8),
    sizes: Uint32Array.of(4, 4, 4),
    decodeTimes: Float64Array.of(0, 1, 2),
    compositionOffsets: Int32Array.of(0, 0, 0),
    durations: Uint32Array.of(1, 1, 1),
    syncSamples: null,
  },
} as unknown as MovieTrack;

/** Splits a sample into 2-byte payloads, counting how often it is asked to. */
function splittingPacketizer() {
  const counter = { packetized: 0 };
  const packetizer = {
    packetize(sample: Buffer) {
      counter.packetized++;
      return [{ chunks: [sample.subarray(0, 2)], marker: false }, { chunks: [sample.subarray(2)], marker: true }];
    },
  } as unknown as Packetizer;
  return { packetizer, counter };
}

function countingReader(loaded: () => boolean) {
  const counter = { reads: 0 };
  const reader = {
    bytesAt(offset: number, length: number): Buffer | null {
      counter.reads++;
      return loaded() ? file.subarray(offset, offset + length) : null;
    },
    prefetch() {},
  } as unknown as MovieFileReader;
  return { reader, counter };
}

function recordingSender() {
  const sent: string[] = [];
  const sender = {
    sink: { writable: () => true },
    rtpTimeAt: (seconds: number) => seconds * 1000,
    send(chunks: readonly Buffer[], marker: boolean, rtpTime: number) {
      sent.push(`${Buffer.concat(chunks).toString()}${marker ? '!' : ''}@${rtpTime}`);
    },
  } as unknown as TrackSender;
  return { sender, sent };
}

const timing = { anchorWallMs: 0, anchorMediaSeconds: 0, speed: 1 };

test('sessions of one movie share packets: the second reads no sample bytes and sends the same packets', () => {
  const { packetizer, counter: packetized } = splittingPacketizer();
  const cache = new PayloadCache(packetizer);
  const first = countingReader(() => true);
  const second = countingReader(() => true);
  const a = recordingSender();
  const b = recordingSender();
  new MediaSampleCursor(track, cache, a.sender, first.reader, 1400).pump(2000, timing);
  new MediaSampleCursor(track, cache, b.sender, second.reader, 1400).pump(2000, timing);
  assert.deepEqual(a.sent, ['aa@0', 'aa!@0', 'bb@1000', 'bb!@1000', 'cc@2000', 'cc!@2000']);
  assert.deepEqual(b.sent, a.sent);
  assert.equal(first.counter.reads, 3);
  assert.equal(second.counter.reads, 0, 'every sample came from the cache');
  assert.equal(packetized.packetized, 3);
});

test('a sample whose bytes are not loaded stalls the cursor and is sent on a later pump', () => {
  const { packetizer } = splittingPacketizer();
  let loaded = false;
  const { reader } = countingReader(() => loaded);
  const { sender, sent } = recordingSender();
  const cursor = new MediaSampleCursor(track, new PayloadCache(packetizer), sender, reader, 1400);
  assert.equal(cursor.pump(0, timing), false);
  assert.equal(cursor.stalled, true);
  assert.deepEqual(sent, []);
  loaded = true;
  cursor.pump(0, timing);
  assert.equal(cursor.stalled, false);
  assert.deepEqual(sent, ['aa@0', 'aa!@0']);
});
