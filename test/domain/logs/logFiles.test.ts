import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../../domain/events/storedEvent.js';
import { emptyLogFiles, foldLogFiles, type LogFileOp, type LogFilesState } from '../../../domain/logs/logFiles.js';
import { isLogOf, rollDueAt, rolledLogName, shouldRoll } from '../../../domain/logs/logRolling.js';
import { localMidnight, localStamp, localYymmdd } from '../../../domain/logs/logTime.js';

/** The two log files as one fold: lines, repeats, markers, switches and rolling, all from events. */
let position = 0;
const T0 = new Date(2026, 10, 25, 10, 0, 0).getTime(); // local time, as Error.log is
const DAY = 86_400_000;
const e = (type: string, data: unknown, atMs: number, stream = 'server-local'): StoredEvent => ({ stream, type, data, position: position++, recordedAt: atMs });
const settings = { moviesFolder: '/m', authenticationScheme: 'digest', streamingOnPort80: false, maxConnections: -1, maxThroughputKbps: -1, logFolder: '/l', errorLogEnabled: true, accessLogEnabled: true, errorLogRollDays: 7, errorLogRollKB: 256, accessLogRollDays: 7, accessLogRollKB: 10240 };
const started = (at: number, overrides: Record<string, unknown> = {}) => e('ServerStarted', { nodeId: 'local', version: '9.9', hostName: 'h', pid: 1, rtspPorts: [554], settings: { ...settings, ...overrides } }, at);
const logged = (message: string, at: number, level = 'WARNING') => e('ErrorLogged', { level, message }, at);

function run(events: StoredEvent[], from: LogFilesState = emptyLogFiles): { state: LogFilesState; ops: LogFileOp[]; text: (log: string) => string } {
  let state = from;
  const ops: LogFileOp[] = [];
  for (const event of events) {
    const result = foldLogFiles(state, event);
    state = result.state;
    ops.push(...result.ops);
  }
  const text = (log: string) => ops.filter((o) => o.kind === 'append' && o.log === log).map((o) => (o.kind === 'append' ? o.text : '')).join('');
  return { state, ops, text };
}

describe('Error.log fold', () => {
  it('writes the header, markers and lines, collapsing repeats', () => {
    const { text } = run([
      started(T0),
      logged('disk slow', T0 + 1000),
      logged('disk slow', T0 + 2000),
      logged('disk slow', T0 + 3000),
      logged('all well', T0 + 4000, 'INFO'),
      logged('one more', T0 + 5000),
      logged('one more', T0 + 6000),
      e('ServerStopped', { reason: 'shutdown' }, T0 + 7000),
    ]);
    assert.equal(
      text('Error'),
      [
        `#Log File Created On: 11/25/2026 10:00:00`,
        `# Streaming STARTUP 2026-11-25 10:00:00`,
        `2026-11-25 10:00:01: WARNING: disk slow`,
        `2026-11-25 10:00:03: --last message repeated 2 times`,
        `2026-11-25 10:00:04: INFO: all well`,
        `2026-11-25 10:00:05: WARNING: one more`,
        `2026-11-25 10:00:06: --last message repeated 1 time`,
        `# Streaming SHUTDOWN 2026-11-25 10:00:07`,
        '',
      ].join('\n'),
    );
  });

  it('follows logging switched off and on by settings changes', () => {
    const { text } = run([
      started(T0),
      logged('seen', T0 + 1),
      e('SettingsChanged', { by: 'streamingadmin', clientAddress: '127.0.0.1', changes: { errorLogEnabled: { from: true, to: false } }, restartNeeded: false }, T0 + 2),
      logged('not written', T0 + 3),
      e('SettingsChanged', { by: 'streamingadmin', clientAddress: '127.0.0.1', changes: { errorLogEnabled: { from: false, to: true } }, restartNeeded: false }, T0 + 4),
      logged('written again', T0 + 5),
    ]);
    assert.match(text('Error'), /seen/);
    assert.doesNotMatch(text('Error'), /not written/);
    assert.match(text('Error'), /written again/);
  });
});

describe('log rolling', () => {
  it('rolls by size into <name>.<yymmdd><NNN>.log, numbering within the day', () => {
    const long = 'x'.repeat(600);
    const { ops } = run([started(T0, { errorLogRollKB: 1 }), logged(`${long}1`, T0 + 1), logged(`${long}2`, T0 + 2), logged(`${long}3`, T0 + 3), logged(`${long}4`, T0 + 4), logged(`${long}5`, T0 + 5)]);
    const rolls = ops.filter((o) => o.kind === 'roll' && o.log === 'Error').map((o) => (o.kind === 'roll' ? o.rolledName : ''));
    assert.deepEqual(rolls, [`Error.${localYymmdd(T0)}000.log`, `Error.${localYymmdd(T0)}001.log`]);
    const afterRoll = ops.findIndex((o) => o.kind === 'roll');
    const next = ops[afterRoll + 1];
    assert.ok(next?.kind === 'append' && next.text.startsWith('#Log File Created On:'), 'a new file starts with its header');
  });

  it('rolls by age counted from midnight of the creation day', () => {
    assert.equal(rollDueAt(T0, 1), localMidnight(T0) + DAY);
    assert.equal(shouldRoll({ createdAt: T0, size: 10 }, { days: 1, bytes: 0 }, localMidnight(T0) + DAY - 1), false);
    assert.equal(shouldRoll({ createdAt: T0, size: 10 }, { days: 1, bytes: 0 }, localMidnight(T0) + DAY), true);
    assert.equal(shouldRoll({ createdAt: T0, size: 10 ** 9 }, { days: 0, bytes: 0 }, T0 + 100 * DAY), false, '0 and 0: never');
    const { ops } = run([started(T0, { accessLogRollDays: 1 }), e('ServerStopped', { reason: 'shutdown' }, T0 + DAY)]);
    const roll = ops.find((o) => o.kind === 'roll' && o.log === 'StreamingServer');
    assert.ok(roll?.kind === 'roll');
    assert.equal(roll.rolledName, `StreamingServer.${localYymmdd(T0 + DAY)}000.log`);
  });

  it('names and recognises rolled files', () => {
    assert.equal(rolledLogName('Error', T0, 7), `Error.${localYymmdd(T0)}007.log`);
    assert.equal(rolledLogName('Error', T0, 1000), `Error.${localYymmdd(T0)}---.log`);
    assert.ok(isLogOf('Error', 'Error.log'));
    assert.ok(isLogOf('Error', 'Error.261125003.log'));
    assert.ok(!isLogOf('Error', 'Error.txt'));
    assert.ok(!isLogOf('Error', 'StreamingServer.log'));
    assert.equal(localStamp(T0), '2026-11-25 10:00:00');
  });

  it('gives the same bytes however the events are split between runs (the checkpoint is the state)', () => {
    const events = [started(T0, { errorLogRollKB: 1 }), ...Array.from({ length: 30 }, (_, i) => logged(`message ${i % 3} ${'y'.repeat(80)}`, T0 + i * 1000))];
    const whole = run(events);
    const firstHalf = run(events.slice(0, 13));
    const resumed = run(events.slice(13), JSON.parse(JSON.stringify(firstHalf.state)) as LogFilesState);
    assert.deepEqual([...firstHalf.ops, ...resumed.ops], whole.ops);
  });
});
