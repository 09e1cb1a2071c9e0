import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { replayView, viewDefinitions, VIEW_NAMES, type ViewName } from '../../../domain/admin/views.js';
import type { StoredEvent } from '../../../domain/events/storedEvent.js';
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from '../../../domain/logs/accessLogEntries.js';
import type { AccessLogEntry } from '../../../domain/logs/accessLogLine.js';
import { emptyLogFiles, foldLogFiles, type LogFileOp, type LogFilesState } from '../../../domain/logs/logFiles.js';
import { emptyAccessHistory } from '../../../domain/projections/accessHistory.js';
import { connectedUsersAt, emptyConnectedUsers } from '../../../domain/projections/connectedUsers.js';
import { emptyErrorLogView } from '../../../domain/projections/errorLogView.js';
import { ExactSum } from '../../../domain/projections/exactSum.js';
import { BoundedList } from '../../../domain/projections/ownedState.js';
import { emptyServerSnapshot } from '../../../domain/projections/serverSnapshot.js';
import { emptyThroughputHistory } from '../../../domain/projections/throughputHistory.js';
import * as refAccessHistory from './reference/accessHistory.js';
import * as refAccessEntries from './reference/accessLogEntries.js';
import * as refConnectedUsers from './reference/connectedUsers.js';
import * as refErrorLogView from './reference/errorLogView.js';
import * as refLiveUsers from './reference/liveUsers.js';
import * as refLogFiles from './reference/logFiles.js';
import * as refServerSnapshot from './reference/serverSnapshot.js';
import * as refThroughput from './reference/throughputHistory.js';

/**
 * The projection folds own their state and change it in place (O(1) per event). Over
 * random event sequences they must give exactly what the straightforward pure folds
 * (./reference: the code as it was, copying its collections on every event) give:
 * the same log file operations, access-log entries, checkpoint JSON and admin views,
 * live and "as of"; and what a presenter handed out must not change afterwards.
 */
const T0 = new Date(2026, 10, 25, 10, 0, 0).getTime();
const DAY = 86_400_000;
const IDS = ['1', '2', '10', 'a', 'b'];
const ADDRESSES = ['192.0.2.7', '198.51.100.9'];
const URLS = ['rtsp://h/a.mp4', 'rtsp://h/a.mp4/', 'rtsp://h/films/b b.mov?start=3'];

interface Step {
  readonly kind: string;
  readonly id: string;
  readonly address: string;
  readonly url: string;
  readonly n: number;
  readonly flag: boolean;
  readonly dt: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom('ServerStarted', 'ServerStopped', 'SettingsChanged', 'Other') },
    { weight: 3, arbitrary: fc.constantFrom('ErrorLogged', 'UserAuthenticated', 'AccessDenied') },
    {
      weight: 12,
      arbitrary: fc.constantFrom(
        'SessionOpened',
        'SessionDescribed',
        'SessionAnnounced',
        'SessionTransportSetUp',
        'SessionPlaying',
        'SessionPaused',
        'SessionRecording',
        'SessionSampled',
        'SessionSampled',
        'SessionRequestRefused',
        'SessionClosed',
        'SessionSomethingElse',
      ),
    },
  ),
  id: fc.constantFrom(...IDS),
  address: fc.constantFrom(...ADDRESSES),
  url: fc.constantFrom(...URLS),
  n: fc.nat({ max: 5_000_000 }),
  flag: fc.boolean(),
  dt: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2500 }) }, { weight: 1, arbitrary: fc.constant(DAY) }),
});

function toEvents(steps: readonly Step[]): StoredEvent[] {
  let at = T0;
  return steps.map((s, position) => {
    at += s.dt;
    const session = (type: string, data: unknown): StoredEvent => ({ stream: `session-${s.id}`, type, data, position, recordedAt: at });
    const server = (type: string, data: unknown): StoredEvent => ({ stream: 'server-local', type, data, position, recordedAt: at });
    const small = s.n % 3;
    switch (s.kind) {
      case 'ServerStarted':
        return server('ServerStarted', {
          nodeId: 'local',
          version: `9.${small}`,
          hostName: 'box',
          pid: 1,
          rtspPorts: [554],
          settings: {
            errorLogEnabled: s.flag,
            accessLogEnabled: small !== 0,
            errorLogRollKB: [0, 1, 256][small],
            errorLogRollDays: [0, 1, 7][(s.n >> 2) % 3],
            accessLogRollKB: [0, 1, 2][(s.n >> 4) % 3],
            accessLogRollDays: [0, 1, 7][(s.n >> 6) % 3],
            maxConnections: 10,
          },
        });
      case 'ServerStopped':
        return server('ServerStopped', { reason: 'shutdown' });
      case 'SettingsChanged':
        return server('SettingsChanged', {
          by: 'streamingadmin',
          clientAddress: '127.0.0.1',
          changes: s.flag ? { accessLogEnabled: { from: true, to: small !== 0 } } : { errorLogRollKB: { from: 256, to: small }, maxConnections: { from: 10, to: 0 } },
          restartNeeded: false,
        });
      case 'Other':
        return server('SomethingElse', {});
      case 'ErrorLogged':
        return server('ErrorLogged', { level: s.flag ? 'WARNING' : 'INFO', message: `message ${small}` });
      case 'UserAuthenticated':
        return server('UserAuthenticated', { clientAddress: s.address, url: s.url, method: 'DESCRIBE', user: `user${small}`, scheme: 'digest' });
      case 'AccessDenied':
        return server('AccessDenied', { clientAddress: s.address, url: s.url, method: 'DESCRIBE', action: 'READ', user: s.flag ? 'mallory' : null, status: s.flag ? 401 : 403, scheme: 'digest', reason: 'no' });
      case 'SessionOpened':
        return session('SessionOpened', { sessionId: s.id, clientAddress: s.address, clientPort: 5000, serverAddress: '192.0.2.1', userAgent: s.flag ? 'ffmpeg' : null, url: s.url, path: 'a.mp4' });
      case 'SessionDescribed':
      case 'SessionAnnounced':
        return session(s.kind, { tracks: [{ trackId: 1, mediaType: 'video', codec: 'avc1' }, ...(s.flag ? [{ trackId: 2, mediaType: 'audio', codec: 'mp4a' }] : [])], durationSeconds: s.n / 1000 });
      case 'SessionTransportSetUp':
        return session('SessionTransportSetUp', { trackId: 1, transport: s.flag ? 'TCP' : 'UDP' });
      case 'SessionPlaying':
        return session('SessionPlaying', { rangeStart: small * 1.5, rangeEnd: null });
      case 'SessionSampled':
        return session('SessionSampled', { bytesSent: s.n, packetsSent: Math.floor(s.n / 1000), lossPercent: s.flag ? (s.n % 1000) / 100 : null });
      case 'SessionRequestRefused':
        return session('SessionRequestRefused', { method: 'DESCRIBE', url: s.url, status: 453, reason: 'full' });
      case 'SessionClosed':
        return session('SessionClosed', {
          reason: s.flag ? 'teardown' : 'timeout',
          lastStatus: [200, 0, 454][small],
          durationMs: s.n % 100_000,
          transport: s.flag ? 'TCP' : null,
          bytesSent: s.n,
          packetsSent: Math.floor(s.n / 1000),
          tracks: [],
        });
      default:
        return session(s.kind, {});
    }
  });
}

const eventsArb = fc.array(stepArb, { maxLength: 150, size: 'max' }).map(toEvents);
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

type AnyView = { initial: unknown; fold: (s: unknown, e: StoredEvent) => unknown; present: (s: unknown, c: { nowMs: number; live: null }) => unknown };

/** The admin views as they were: the reference folds, presented by the domain's presenter where its state is the domain's type, else as the presenters did. */
const referenceViews: Record<ViewName, AnyView> = {
  snapshot: {
    initial: refServerSnapshot.emptyServerSnapshot,
    fold: refServerSnapshot.foldServerSnapshot as AnyView['fold'],
    present: viewDefinitions.snapshot.present as AnyView['present'],
  },
  'connected-users': {
    initial: refConnectedUsers.emptyConnectedUsers,
    fold: refLiveUsers.foldLiveUsers as AnyView['fold'],
    present: viewDefinitions['connected-users'].present as AnyView['present'],
  },
  settings: viewDefinitions.settings as unknown as AnyView,
  'error-log': {
    initial: refErrorLogView.emptyErrorLogView,
    fold: refErrorLogView.foldErrorLogView as AnyView['fold'],
    present: (s, { nowMs }) => ({ asOf: new Date(nowMs).toISOString(), lines: (s as refErrorLogView.ErrorLogViewState).lines }),
  },
  'access-log': {
    initial: refAccessHistory.emptyAccessHistory,
    fold: refAccessHistory.foldAccessHistory as AnyView['fold'],
    present: (s, { nowMs }) => ({ asOf: new Date(nowMs).toISOString(), lines: (s as refAccessHistory.AccessHistoryState).lines }),
  },
  throughput: {
    initial: refThroughput.emptyThroughputHistory,
    fold: refThroughput.foldThroughputHistory as AnyView['fold'],
    present: (s, { nowMs }) => refThroughput.presentThroughputHistory(s as refThroughput.ThroughputHistoryState, nowMs),
  },
};

function assertEmptyStatesUntouched(): void {
  assert.equal(emptyConnectedUsers.users.size, 0);
  assert.equal(emptyConnectedUsers.position, -1);
  assert.equal(emptyAccessEntries.sessions.size, 0);
  assert.equal(emptyAccessEntries.logins.size, 0);
  assert.equal(emptyAccessEntries.openSessions, 0);
  assert.deepEqual(json(emptyLogFiles), json(refLogFiles.emptyLogFiles));
  assert.equal(emptyServerSnapshot.users.users.size, 0);
  assert.equal(emptyServerSnapshot.totalConnections, 0);
  assert.equal(emptyThroughputHistory.points.length, 0);
  assert.equal(emptyThroughputHistory.users.users.size, 0);
  assert.equal(emptyErrorLogView.lines.length, 0);
  assert.equal(emptyAccessHistory.lines.length, 0);
  assert.equal(emptyAccessHistory.fold.sessions.size, 0);
}

/** The access-entries fold and its reference side by side, from their empty states. */
function accessEntriesSideBySide(): { fold(event: StoredEvent): AccessLogEntry | null; assertSameJson(): void } {
  let state: AccessEntriesState = emptyAccessEntries;
  let ref: refAccessEntries.AccessEntriesState = refAccessEntries.emptyAccessEntries;
  return {
    /** Folds the event into both: they must give the same entry, which is returned. */
    fold(event) {
      const mine = foldAccessEntries(state, event);
      const theirs = refAccessEntries.foldAccessEntries(ref, event);
      state = mine.state;
      ref = theirs.state;
      assert.deepEqual(mine.entry, theirs.entry);
      return mine.entry;
    },
    assertSameJson() {
      assert.equal(JSON.stringify(state), JSON.stringify(ref), 'the checkpoint JSON, key order included');
    },
  };
}

describe('folds that own their state give what the pure folds gave', () => {
  it('access-log entries: the same entries and the same JSON state after every event', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const both = accessEntriesSideBySide();
        for (const event of events) {
          both.fold(event);
          both.assertSameJson();
        }
      }),
    );
    assertEmptyStatesUntouched();
  });

  it('log files: the same operations and checkpoint, however the run is cut by checkpoints', () => {
    fc.assert(
      fc.property(eventsArb, fc.array(fc.nat(), { maxLength: 3 }), (events, cutsAt) => {
        const cuts = new Set(cutsAt.map((c) => (events.length === 0 ? 0 : c % events.length)));
        let state: LogFilesState = emptyLogFiles;
        let ref: refLogFiles.LogFilesState = refLogFiles.emptyLogFiles;
        const ops: LogFileOp[] = [];
        const refOps: LogFileOp[] = [];
        events.forEach((event, i) => {
          // A restart from a checkpoint: the state as JSON, read back.
          if (cuts.has(i)) state = json(state) as LogFilesState;
          const mine = foldLogFiles(state, event);
          const theirs = refLogFiles.foldLogFiles(ref, event);
          state = mine.state;
          ref = theirs.state;
          ops.push(...mine.ops);
          refOps.push(...theirs.ops);
          assert.deepEqual(mine.ops, theirs.ops);
        });
        assert.deepEqual(ops, refOps);
        assert.deepEqual(json(state), json(ref));
      }),
    );
    assertEmptyStatesUntouched();
  });

  it('admin views: live, as of any moment, and what was handed out stays as it was', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), (events, pick) => {
        const states = new Map<ViewName, unknown>(VIEW_NAMES.map((name) => [name, viewDefinitions[name].initial]));
        const refStates = new Map<ViewName, unknown>(VIEW_NAMES.map((name) => [name, referenceViews[name].initial]));
        const handedOut: Array<{ dto: unknown; copy: unknown }> = [];
        events.forEach((event, i) => {
          const nowMs = event.recordedAt + 500;
          for (const name of VIEW_NAMES) {
            const definition = viewDefinitions[name] as unknown as AnyView;
            const reference = referenceViews[name];
            states.set(name, definition.fold(states.get(name), event));
            refStates.set(name, reference.fold(refStates.get(name), event));
            const dto = definition.present(states.get(name), { nowMs, live: null });
            assert.deepEqual(dto, reference.present(refStates.get(name), { nowMs, live: null }), `${name} after event ${i} (${event.type})`);
            if (i % 7 === pick % 7) handedOut.push({ dto, copy: structuredClone(dto) });
          }
        });
        for (const { dto, copy } of handedOut) assert.deepEqual(dto, copy, 'a DTO handed out is not changed by later events');
        // "As of" a moment: the same folds over the events up to then, from the shared empty states.
        if (events.length > 0) {
          const at = events[pick % events.length]!.recordedAt;
          const upTo = events.filter((e) => e.recordedAt <= at);
          for (const name of VIEW_NAMES) {
            const reference = referenceViews[name];
            let ref = reference.initial;
            for (const event of upTo) ref = reference.fold(ref, event);
            assert.deepEqual(replayView(name, events, at), reference.present(ref, { nowMs: at, live: null }), `${name} as of ${at - T0}`);
          }
          const users = connectedUsersAt(events, at);
          let refUsers = refConnectedUsers.emptyConnectedUsers;
          for (const event of upTo) refUsers = refConnectedUsers.foldConnectedUsers(refUsers, event);
          assert.deepEqual([...users.users.entries()], [...refUsers.users.entries()]);
          assert.equal(users.position, refUsers.position);
        }
      }),
      { numRuns: 60 },
    );
    assertEmptyStatesUntouched();
  });

  it('forgets the oldest waiting login past a thousand, as before', () => {
    const events: StoredEvent[] = [];
    let position = 0;
    const url = (i: number) => `rtsp://h/m${i}.mp4`;
    for (let i = 0; i < 1005; i++) events.push({ stream: 'server-local', type: 'UserAuthenticated', data: { clientAddress: '192.0.2.7', url: url(i), user: `u${i}` }, position: position++, recordedAt: T0 + i });
    // Authenticated again: keeps its place in the queue (not moved to the end).
    events.push({ stream: 'server-local', type: 'UserAuthenticated', data: { clientAddress: '192.0.2.7', url: url(6), user: 'again' }, position: position++, recordedAt: T0 + 2000 });
    events.push({ stream: 'server-local', type: 'UserAuthenticated', data: { clientAddress: '192.0.2.7', url: url(2000), user: 'late' }, position: position++, recordedAt: T0 + 2001 });
    for (const i of [0, 5, 6, 7, 1004, 2000]) {
      const id = `s${i}`;
      events.push({ stream: `session-${id}`, type: 'SessionOpened', data: { clientAddress: '192.0.2.7', serverAddress: '192.0.2.1', url: url(i), userAgent: null, path: 'x' }, position: position++, recordedAt: T0 + 3000 });
      events.push({ stream: `session-${id}`, type: 'SessionClosed', data: { reason: 'teardown', lastStatus: 200, durationMs: 1, bytesSent: 0, packetsSent: 0 }, position: position++, recordedAt: T0 + 3001 });
    }
    const both = accessEntriesSideBySide();
    const names: Array<string | null> = [];
    for (const event of events) {
      const entry = both.fold(event);
      if (entry) names.push(entry.userName);
    }
    assert.deepEqual(names, [null, null, 'again', 'u7', 'u1004', 'late'], 'the logins of 0–5 forgotten; 6 kept its place and took the new name');
    both.assertSameJson();
  });
});

describe('ExactSum', () => {
  /** m·2^e, exactly as a BigInt count of 2^-80. */
  const exact = (m: number, e: number): bigint => BigInt(m) << BigInt(e + 80);
  const termArb = fc.tuple(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: -80, max: 40 }));

  it('is the correctly rounded sum of the values in, whatever came and went', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(termArb, fc.boolean()), { maxLength: 60 }), (ops) => {
        const sum = new ExactSum();
        const inside: Array<[number, number]> = [];
        for (const [[m, e], remove] of ops) {
          if (remove && inside.length > 0) {
            const [rm, re] = inside.splice((m >>> 0) % inside.length, 1)[0]!;
            sum.subtract(rm * 2 ** re);
          } else {
            inside.push([m, e]);
            sum.add(m * 2 ** e);
          }
          const total = inside.reduce((acc, [tm, te]) => acc + exact(tm, te), 0n);
          // BigInt → Number rounds to nearest, ties to even; scaling by 2^-80 is exact here.
          assert.equal(sum.value(), Number(total) * 2 ** -80);
        }
      }),
    );
  });

  it('counts values that are not finite apart', () => {
    const sum = new ExactSum();
    sum.add(1.5);
    sum.add(NaN);
    assert.ok(Number.isNaN(sum.value()));
    sum.subtract(NaN);
    sum.add(Infinity);
    assert.equal(sum.value(), Infinity);
    sum.add(-Infinity);
    assert.ok(Number.isNaN(sum.value()));
    sum.subtract(Infinity);
    sum.subtract(-Infinity);
    assert.equal(sum.value(), 1.5);
    sum.subtract(1.5);
    assert.equal(sum.value(), 0);
  });
});

describe('BoundedList', () => {
  it('keeps the last max items however many came', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 200 }), (max, ops) => {
        const list = new BoundedList<number>(max);
        let reference: number[] = [];
        for (const [value, replace] of ops) {
          if (replace && reference.length > 0) {
            list.replaceLast(value);
            reference = [...reference.slice(0, -1), value];
          } else {
            list.push(value);
            reference = [...reference, value].slice(-max);
          }
          assert.deepEqual(list.items(), reference);
          assert.equal(list.length, reference.length);
          assert.equal(list.last(), reference.at(-1));
        }
      }),
    );
  });
});
