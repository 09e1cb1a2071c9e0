import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../../domain/events/storedEvent.js';
import { emptyAccessEntries, foldAccessEntries, type AccessEntriesState } from '../../../domain/logs/accessLogEntries.js';
import { ACCESS_LOG_FIELDS, accessField, accessLogHeader, formatAccessLogLine, splitRequestUri } from '../../../domain/logs/accessLogLine.js';
import { localCreatedOn } from '../../../domain/logs/logTime.js';

/** StreamingServer.log: QTSS's W3C header and fields, folded from session and access events. */
let position = 0;
const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const event = (stream: string, type: string, data: unknown, atMs: number): StoredEvent => ({ stream, type, data, position: position++, recordedAt: atMs });

function run(events: StoredEvent[]): { state: AccessEntriesState; lines: string[] } {
  let state = emptyAccessEntries;
  const lines: string[] = [];
  for (const e of events) {
    const result = foldAccessEntries(state, e);
    state = result.state;
    if (result.entry) lines.push(formatAccessLogLine(result.entry));
  }
  return { state, lines };
}

const opened = (id: string, at: number, extra: Record<string, unknown> = {}) =>
  event(`session-${id}`, 'SessionOpened', { sessionId: id, clientAddress: '192.0.2.7', clientPort: 5000, serverAddress: '192.0.2.1', userAgent: 'QuickTime/7.6 (qtver=7.6;os=Windows NT 6.1)', url: 'rtsp://192.0.2.1:554/films/a b.mov?start=3', path: 'films/a b.mov', ...extra }, at);

describe('access log lines', () => {
  it('has the exact QTSS header lines', () => {
    const header = accessLogHeader(T0, '1.2.3');
    assert.equal(header[0], `#Log File Created On: ${localCreatedOn(T0)}`);
    assert.deepEqual(header.slice(1), [
      '#Software: Streamhouse',
      '#Version: 1.2.3',
      '#Date: 2026-11-25 10:00:00',
      '#Remark: all time values are in GMT.',
      '#Fields: c-ip date time c-dns cs-uri-stem c-starttime x-duration c-rate c-status c-playerid c-playerversion c-playerlanguage cs(User-Agent) c-os c-osversion c-cpu filelength filesize avgbandwidth protocol transport audiocodec videocodec sc-bytes cs-bytes c-bytes s-pkts-sent c-pkts-received c-pkts-lost-client c-buffercount c-totalbuffertime c-quality s-ip s-dns s-totalclients s-cpu-util cs-uri-query c-username sc(Realm)',
    ]);
    assert.equal(ACCESS_LOG_FIELDS.length, 39);
  });

  it('escapes spaces as %20 and writes - for nothing', () => {
    assert.equal(accessField('QuickTime/7.6 (qtver=7.6)'), 'QuickTime/7.6%20(qtver=7.6)');
    assert.equal(accessField('a\tb\nc%'), 'a%09b%0Ac%25');
    assert.equal(accessField(null), '-');
    assert.equal(accessField(''), '-');
    assert.equal(accessField(0), '0');
    assert.deepEqual(splitRequestUri('rtsp://h:554/a/b.mp4?x=1'), { stem: '/a/b.mp4', query: 'x=1' });
    assert.deepEqual(splitRequestUri('rtsp://h'), { stem: '/', query: null });
  });

  it('writes one line per session when it closes, with what its events said', () => {
    const id = '42';
    const { lines, state } = run([
      event('server-local', 'UserAuthenticated', { clientAddress: '192.0.2.7', url: 'rtsp://192.0.2.1:554/films/a b.mov?start=3', method: 'DESCRIBE', user: 'ann smith', scheme: 'digest' }, T0),
      opened(id, T0),
      event(`session-${id}`, 'SessionDescribed', { tracks: [{ trackId: 1, mediaType: 'video', codec: 'avc1' }, { trackId: 2, mediaType: 'audio', codec: 'mp4a' }], durationSeconds: 95.4 }, T0 + 10),
      event(`session-${id}`, 'SessionPlaying', { rangeStart: 12.7, rangeEnd: null }, T0 + 50),
      event(`session-${id}`, 'SessionSampled', { bytesSent: 500, packetsSent: 10, lossPercent: 2.5 }, T0 + 5000),
      event(`session-${id}`, 'SessionClosed', { reason: 'teardown', lastStatus: 200, durationMs: 20_000, transport: 'UDP', bytesSent: 250_000, packetsSent: 400, tracks: [] }, T0 + 20_000),
    ]);
    assert.deepEqual(state, emptyAccessEntries, 'nothing kept once closed (the login was used)');
    assert.equal(lines.length, 1);
    const f = lines[0]!.split(' ');
    const field = (name: (typeof ACCESS_LOG_FIELDS)[number]) => f[ACCESS_LOG_FIELDS.indexOf(name)];
    assert.equal(f.length, 39);
    assert.equal(field('c-ip'), '192.0.2.7');
    assert.equal(field('date'), '2026-11-25');
    assert.equal(field('time'), '10:00:20');
    assert.equal(field('cs-uri-stem'), '/films/a%20b.mov');
    assert.equal(field('c-starttime'), '12', 'where in the movie it started, not a clock time');
    assert.equal(field('x-duration'), '20');
    assert.equal(field('c-rate'), '1');
    assert.equal(field('c-status'), '200');
    assert.equal(field('c-playerid'), '-', 'not the client address, as DSS wrote');
    assert.equal(field('cs(User-Agent)'), 'QuickTime/7.6%20(qtver=7.6;os=Windows%20NT%206.1)');
    assert.equal(field('filelength'), '95');
    assert.equal(field('avgbandwidth'), '100000');
    assert.equal(field('protocol'), 'RTP');
    assert.equal(field('transport'), 'UDP');
    assert.equal(field('audiocodec'), 'mp4a');
    assert.equal(field('videocodec'), 'avc1');
    assert.equal(field('sc-bytes'), '250000');
    assert.equal(field('s-pkts-sent'), '400');
    assert.equal(field('c-pkts-lost-client'), '10');
    assert.equal(field('c-pkts-received'), '390');
    assert.equal(field('c-quality'), '98');
    assert.equal(field('s-ip'), '192.0.2.1');
    assert.equal(field('s-totalclients'), '1');
    assert.equal(field('cs-uri-query'), 'start=3');
    assert.equal(field('c-username'), 'ann%20smith');
  });

  it('logs a timed-out session that went well as 504, and a refused request at once', () => {
    const { lines } = run([
      opened('1', T0),
      opened('2', T0 + 1000),
      event('session-2', 'SessionRequestRefused', { method: 'DESCRIBE', url: 'rtsp://192.0.2.1:554/films/a b.mov', status: 453, reason: 'over the maximum' }, T0 + 1001),
      event('session-2', 'SessionClosed', { reason: 'refused', lastStatus: 453, durationMs: 1, transport: null, bytesSent: 0, packetsSent: 0, tracks: [] }, T0 + 1002),
      event('server-local', 'AccessDenied', { clientAddress: '198.51.100.9', url: 'rtsp://192.0.2.1/private/x.mov', method: 'DESCRIBE', action: 'READ', user: 'mallory', status: 401, scheme: 'digest', reason: 'wrong password' }, T0 + 2000),
      event('session-1', 'SessionClosed', { reason: 'timeout', lastStatus: 200, durationMs: 61_000, transport: 'TCP', bytesSent: 0, packetsSent: 0, tracks: [] }, T0 + 61_000),
    ]);
    assert.equal(lines.length, 3, 'the refused session is logged once, when refused');
    assert.equal(lines[0]!.split(' ')[8], '453');
    assert.equal(lines[1]!.split(' ')[8], '401');
    assert.equal(lines[1]!.split(' ')[4], '/private/x.mov');
    assert.equal(lines[1]!.split(' ')[37], 'mallory');
    assert.equal(lines[2]!.split(' ')[8], '504');
  });
});
