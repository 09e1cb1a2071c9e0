import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CURRENT_SCHEMA_VERSION, eventCatalogue } from '../../../domain/events/catalogue.js';
import { defineUpcasters, schemaVersionOf, upcastEvent, upcasters, type EventData, type UpcastStep } from '../../../domain/events/upcasters.js';
import { testUpcasters } from '../../helpers/testUpcasters.js';

/** The upcaster chain, with the made-up history of test/helpers/testUpcasters.ts. */
const openedV1 = { sessionId: 'a', client: '192.0.2.7:5004', serverAddress: '192.0.2.1', userAgent: '', url: 'rtsp://h/a.mp4', path: 'a.mp4' };
const openedV3 = { sessionId: 'a', clientAddress: '192.0.2.7', clientPort: 5004, serverAddress: '192.0.2.1', userAgent: null, url: 'rtsp://h/a.mp4', path: 'a.mp4' };
const event = (type: string, data: unknown, metadata?: Record<string, unknown>) => ({ type, data, ...(metadata === undefined ? {} : { metadata }), position: 7 });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('upcasters', () => {
  it('runs every step from the stored version to the current one, in order, then validates', () => {
    const result = upcastEvent(event('SessionOpened', openedV1, { schemaVersion: 1, nodeId: 'n' }), testUpcasters);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.event.data, openedV3);
    assert.equal(result.fromVersion, 1);
    assert.deepEqual(result.event.metadata, { schemaVersion: 3, upcastFrom: 1, nodeId: 'n' });
    assert.equal(result.event.position, 7, 'the rest of the event is kept');
  });

  it('starts the chain at the stored version: a version 2 event skips the 1 -> 2 step', () => {
    const v2 = { ...openedV3, userAgent: '' };
    const result = upcastEvent(event('SessionOpened', v2, { schemaVersion: 2 }), testUpcasters);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.event.data, openedV3);
    // Had 1 -> 2 run, splitClient would have thrown on the missing `client`.
    const sampled = upcastEvent(event('SessionSampled', { bytes: 5000, packets: 5, loss: 0.25 }, { schemaVersion: 2 }), testUpcasters);
    assert.ok(sampled.ok, JSON.stringify(sampled));
    assert.deepEqual(sampled.event.data, { bytesSent: 5000, packetsSent: 5, lossPercent: 25 });
  });

  it('treats an event without a schema version as version 1', () => {
    assert.equal(schemaVersionOf(undefined), 1);
    assert.equal(schemaVersionOf({ nodeId: 'n' }), 1);
    const result = upcastEvent(event('SessionOpened', openedV1, { nodeId: 'n' }), testUpcasters);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.event.data, openedV3);
    assert.deepEqual(result.event.metadata, { nodeId: 'n', schemaVersion: 3, upcastFrom: 1 });
    const noMetadata = upcastEvent(event('SessionOpened', openedV1), testUpcasters);
    assert.ok(noMetadata.ok);
    assert.deepEqual(noMetadata.event.data, openedV3);
  });

  it('passes a type through versions that did not change it', () => {
    const closed = { reason: 'teardown', lastStatus: 200, durationMs: 10, transport: 'TCP', bytesSent: 1, packetsSent: 1, tracks: [] };
    const result = upcastEvent(event('SessionClosed', closed, { schemaVersion: 1 }), testUpcasters);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.event.data, closed);
    assert.equal(result.event.metadata?.schemaVersion, 3);
  });

  it('leaves a current event as it is', () => {
    const metadata = { schemaVersion: 3, nodeId: 'n' };
    const result = upcastEvent(event('SessionOpened', openedV3, metadata), testUpcasters);
    assert.ok(result.ok);
    assert.deepEqual(result.event.data, openedV3);
    assert.equal(result.event.metadata, metadata, 'metadata untouched');
    assert.equal(result.fromVersion, 3);
  });

  it('never changes the stored event (steps see frozen data)', () => {
    const stored = deepFreeze(event('SessionOpened', { ...openedV1 }, { schemaVersion: 1 }));
    const result = upcastEvent(stored, testUpcasters);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(stored.data, openedV1);
  });

  it('skips an event from a newer build, naming both versions', () => {
    const result = upcastEvent(event('SessionOpened', openedV3, { schemaVersion: 4 }), testUpcasters);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'newer-version');
    assert.equal(result.storedVersion, 4);
    assert.match(result.message, /newer build \(schema version 4; this build reads up to 3\)/);
  });

  it('skips a malformed schema version', () => {
    for (const bad of [0, -1, 1.5, '2', null, Number.NaN]) {
      const result = upcastEvent(event('SessionOpened', openedV3, { schemaVersion: bad }), testUpcasters);
      assert.ok(!result.ok, `schemaVersion ${String(bad)}`);
      assert.equal(result.reason, 'bad-version');
    }
  });

  it('skips an event whose step throws, saying which step', () => {
    const result = upcastEvent(event('SessionOpened', { ...openedV1, client: 'no-port' }, { schemaVersion: 1 }), testUpcasters);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'upcast-failed');
    assert.match(result.message, /from version 1 to 2 failed: client "no-port" has no port/);
  });

  it('skips an event that fails the current schema after upcasting, naming the field', () => {
    const result = upcastEvent(event('SessionOpened', { ...openedV1, client: '192.0.2.7:99999' }, { schemaVersion: 1 }), testUpcasters);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'invalid');
    assert.match(result.message, /after upcasting from version 1: clientPort:/);
    const current = upcastEvent(event('SessionPaused', { at: -1 }, { schemaVersion: 3 }), testUpcasters);
    assert.ok(!current.ok);
    assert.equal(current.reason, 'invalid');
    assert.match(current.message, /version 3 schema: at:/);
    const notObject = upcastEvent(event('SessionOpened', 'text', { schemaVersion: 1 }), testUpcasters);
    assert.ok(!notObject.ok);
    assert.equal(notObject.reason, 'invalid');
  });

  it('passes event types the catalogue does not know through untouched, whatever their version', () => {
    const foreign = event('SomethingElse', { any: 'thing' }, { schemaVersion: 99 });
    const result = upcastEvent(foreign, testUpcasters);
    assert.ok(result.ok);
    assert.equal(result.event, foreign);
  });

  it('refuses a registry whose steps do not fit its version or catalogue', () => {
    const step: UpcastStep = (d: EventData) => ({ ...d });
    assert.throws(() => defineUpcasters({ currentVersion: 0, schemas: eventCatalogue, steps: {} }), /current version 0/);
    assert.throws(() => defineUpcasters({ currentVersion: 2, schemas: eventCatalogue, steps: { NoSuchEvent: { 1: step } } }), /NoSuchEvent is not an event type/);
    assert.throws(() => defineUpcasters({ currentVersion: 2, schemas: eventCatalogue, steps: { SessionOpened: { 2: step } } }), /step from version 2, but steps go from 1 to 1/);
    assert.throws(() => defineUpcasters({ currentVersion: 2, schemas: eventCatalogue, steps: { SessionOpened: { 0: step } } }), /step from version 0/);
    assert.throws(() => defineUpcasters({ currentVersion: 2, schemas: eventCatalogue, steps: { SessionOpened: { 1: 'x' as unknown as UpcastStep } } }), /not a function/);
  });

  it("this build's registry: the catalogue at CURRENT_SCHEMA_VERSION, reading today's events as they are", () => {
    assert.equal(upcasters.currentVersion, CURRENT_SCHEMA_VERSION);
    assert.equal(upcasters.schemas, eventCatalogue);
    const today = upcastEvent(event('SessionOpened', openedV3, { schemaVersion: CURRENT_SCHEMA_VERSION }));
    assert.ok(today.ok);
    assert.deepEqual(today.event.data, openedV3);
    const newer = upcastEvent(event('SessionOpened', openedV3, { schemaVersion: CURRENT_SCHEMA_VERSION + 1 }));
    assert.ok(!newer.ok);
    assert.equal(newer.reason, 'newer-version');
  });
});
