import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayView, viewDefinitions, type ViewName } from '../../../domain/admin/views.js';
import { decideSettingsChange } from '../../../domain/admin/adminSettings.js';
import type { StoredEvent } from '../../../domain/events/storedEvent.js';

/** The admin pages as folds: live and "as of" give the same view. */
let position = 0;
const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const e = (stream: string, type: string, data: unknown, atMs: number): StoredEvent => ({ stream, type, data, position: position++, recordedAt: atMs });
const settings = { moviesFolder: '/m', authenticationScheme: 'digest' as const, streamingOnPort80: false, maxConnections: 10, maxThroughputKbps: -1, logFolder: '/l', errorLogEnabled: true, accessLogEnabled: true, errorLogRollDays: 7, errorLogRollKB: 256, accessLogRollDays: 7, accessLogRollKB: 10240 };
const started = (at: number) => e('server-local', 'ServerStarted', { nodeId: 'local', version: '9.9', hostName: 'box', pid: 1, rtspPorts: [554], settings }, at);
const open = (id: string, at: number) => e(`session-${id}`, 'SessionOpened', { sessionId: id, clientAddress: '192.0.2.7', clientPort: 1, serverAddress: '192.0.2.1', userAgent: 'ffmpeg', url: 'rtsp://h/a.mp4', path: 'a.mp4' }, at);
const sample = (id: string, bytes: number, at: number) => e(`session-${id}`, 'SessionSampled', { bytesSent: bytes, packetsSent: bytes / 1000, lossPercent: null }, at);
const close = (id: string, bytes: number, at: number) => e(`session-${id}`, 'SessionClosed', { reason: 'teardown', lastStatus: 200, durationMs: 1000, transport: 'TCP', bytesSent: bytes, packetsSent: 1, tracks: [] }, at);

const events: StoredEvent[] = [
  started(T0),
  open('1', T0 + 1000),
  e('session-1', 'SessionTransportSetUp', { trackId: 1, transport: 'TCP', clientRtpPort: null, clientRtcpPort: null, interleaved: [0, 1], ssrc: '0000ABCD' }, T0 + 1100),
  e('session-1', 'SessionPlaying', { rangeStart: 0, rangeEnd: null }, T0 + 1200),
  sample('1', 10_000, T0 + 2000),
  sample('1', 35_000, T0 + 3000),
  open('2', T0 + 3500),
  e('session-2', 'SessionRequestRefused', { method: 'DESCRIBE', url: 'rtsp://h/a.mp4', status: 453, reason: 'full' }, T0 + 3501),
  close('2', 0, T0 + 3502),
  close('1', 40_000, T0 + 4000),
  e('server-local', 'SettingsChanged', { by: 'streamingadmin', clientAddress: '127.0.0.1', changes: { maxConnections: { from: 10, to: 0 }, moviesFolder: { from: '/m', to: '/n' } }, restartNeeded: true }, T0 + 5000),
  e('server-local', 'ErrorLogged', { level: 'WARNING', message: 'something odd' }, T0 + 6000),
];

describe('admin views', () => {
  it('connected users as of a moment: the client that has left since', () => {
    const then = replayView('connected-users', events, T0 + 3200);
    assert.equal(then.users.length, 1);
    assert.equal(then.users[0]!.bytesSent, 35_000);
    assert.equal(then.users[0]!.bitRate, 200_000, '25 000 bytes in a second');
    assert.equal(then.users[0]!.timeConnectedSeconds, 2);
    assert.equal(then.users[0]!.transport, 'TCP');
    assert.equal(replayView('connected-users', events, T0 + 10_000).users.length, 0);
  });

  it('server snapshot: status, totals and throughput from events; no live gauges in a replay', () => {
    const then = replayView('snapshot', events, T0 + 3200);
    assert.equal(then.status, 'running');
    assert.equal(then.upTimeSeconds, 3);
    assert.equal(then.hostName, 'box');
    assert.equal(then.currentConnections, 1);
    assert.equal(then.currentThroughputBps, 200_000);
    assert.equal(then.live, null);
    const later = replayView('snapshot', events, T0 + 10_000);
    assert.equal(later.totalBytesServed, 40_000);
    assert.equal(later.totalConnectionsServed, 1, 'the refused one is not served');
    const stopped = replayView('snapshot', [...events, e('server-local', 'ServerStopped', { reason: 'shutdown' }, T0 + 7000)], T0 + 8000);
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.upTimeSeconds, null);
  });

  it('a restart forgets sessions a crash never closed', () => {
    const crashed = [started(T0), open('9', T0 + 1), started(T0 + 10)];
    assert.equal(replayView('connected-users', crashed, T0 + 20).users.length, 0);
    assert.equal(replayView('snapshot', crashed, T0 + 20).currentConnections, 0);
  });

  it('settings: the start values, then changes naming who, and what waits for a restart', () => {
    const view = replayView('settings', events, T0 + 10_000);
    assert.equal(view.settings?.maxConnections, 0);
    assert.equal(view.settings?.moviesFolder, '/n');
    assert.deepEqual(view.pendingRestart, ['moviesFolder']);
    assert.equal(view.recent[0]!.by, 'streamingadmin');
    assert.equal(replayView('settings', events, T0 + 4999).settings?.maxConnections, 10);
    assert.deepEqual(replayView('settings', [...events, started(T0 + 20_000)], T0 + 30_000).pendingRestart, [], 'a restart applies them');
  });

  it('throughput history: steps of connections and bit rate', () => {
    const view = replayView('throughput', events, T0 + 10_000);
    const at = (t: number) => [...view.points].reverse().find((p) => p.t <= t)!;
    assert.equal(at(T0 + 3000).bitsPerSecond, 200_000);
    assert.equal(at(T0 + 3000).connections, 1);
    assert.equal(at(T0 + 4000).connections, 0);
  });

  it('error log and access history carry the log files\' lines', () => {
    assert.match(replayView('error-log', events, T0 + 10_000).lines.at(-1)!.text, /WARNING: something odd$/);
    const access = replayView('access-log', events, T0 + 10_000).lines;
    assert.deepEqual(access.map((l) => l.status), [453, 200]);
  });

  it('a replay equals the live fold stopped at that moment', () => {
    for (const name of Object.keys(viewDefinitions) as ViewName[]) {
      const definition = viewDefinitions[name] as unknown as { initial: unknown; fold: (s: unknown, e: StoredEvent) => unknown; present: (s: unknown, c: unknown) => unknown };
      let state = definition.initial;
      for (const event of events.filter((ev) => ev.recordedAt <= T0 + 3200)) state = definition.fold(state, event);
      assert.deepEqual(replayView(name, events, T0 + 3200), definition.present(state, { nowMs: T0 + 3200, live: null }), name);
    }
  });

  it('decides a settings change: only real changes, and whether a restart is needed', () => {
    const decision = decideSettingsChange(settings, { maxConnections: 10, maxThroughputKbps: 500 });
    assert.deepEqual(decision.changes, { maxThroughputKbps: { from: -1, to: 500 } });
    assert.equal(decision.restartNeeded, false);
    assert.equal(decideSettingsChange(settings, { streamingOnPort80: true }).restartNeeded, true);
  });
});
