import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Observable, Subject } from 'rxjs';
import { CHECKPOINT_FILE, LogFileWriter, rebuildLogs } from '../../../adapters/log/logFileWriter.js';
import type { RecordedEvent, SubscribeAllOptions, SubscriptionItem } from '../../../eventstore/eventStore.js';
import type { CurrentEventSource } from '../../../eventstore/upcastingReader.js';

/**
 * The log writer checkpoints its fold's state at most once per interval (at once
 * after a roll, and when it stops), not after every batch; a crash in between loses
 * nothing: on restart the lines past the checkpoint are cut and written again.
 */
let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-logwriter-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = new Date(2026, 10, 25, 10, 0, 0).getTime();
const settings = { errorLogEnabled: true, accessLogEnabled: true, errorLogRollDays: 7, errorLogRollKB: 256, accessLogRollDays: 7, accessLogRollKB: 10240 };

/** A store that has `events` and delivers pushed ones live. */
class FakeSource implements CurrentEventSource {
  readonly schemaVersion = 1;
  readonly events: RecordedEvent[] = [];
  private readonly live = new Subject<SubscriptionItem>();

  push(type: string, data: unknown, stream = 'server-local'): RecordedEvent {
    const position = this.events.length;
    const event: RecordedEvent = { id: String(position), stream, revision: 0, position, type, data, metadata: {}, recordedAt: T0 + position * 100 };
    this.events.push(event);
    this.live.next({ kind: 'event', event });
    return event;
  }

  async readAll(): Promise<RecordedEvent[]> {
    return [...this.events];
  }

  subscribeToAll(options: SubscribeAllOptions = {}): Observable<SubscriptionItem> {
    return new Observable((subscriber) => {
      const after = options.afterPosition ?? -1;
      for (const event of this.events) if (event.position > after) subscriber.next({ kind: 'event', event });
      subscriber.next({ kind: 'caughtUp', position: this.events.length - 1 });
      const subscription = this.live.subscribe(subscriber);
      return () => subscription.unsubscribe();
    });
  }
}

const quiet = { console: () => {} };

async function checkpointPosition(folder: string): Promise<number> {
  return (JSON.parse(await readFile(path.join(folder, CHECKPOINT_FILE), 'utf8')) as { state: { position: number } }).state.position;
}

async function logs(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.log')).sort()) out[name] = await readFile(path.join(folder, name), 'utf8');
  return out;
}

/** One session: open, close (an access-log line), and an error line. */
function session(source: FakeSource, i: number): RecordedEvent {
  source.push('SessionOpened', { sessionId: `s${i}`, clientAddress: '192.0.2.7', serverAddress: '192.0.2.1', userAgent: 'ffmpeg', url: `rtsp://h/m${i}.mp4`, path: `m${i}.mp4` }, `session-s${i}`);
  source.push('ErrorLogged', { level: 'INFO', message: `session ${i}` });
  return source.push('SessionClosed', { reason: 'teardown', lastStatus: 200, durationMs: 1000, transport: 'TCP', bytesSent: 1000 * i, packetsSent: i, tracks: [] }, `session-s${i}`);
}

describe('log file writer', () => {
  it('writes every batch at once, but saves its checkpoint once per interval and when it stops', async () => {
    const folder = path.join(dir, 'interval');
    const source = new FakeSource();
    const writer = new LogFileWriter(folder, quiet, 60_000);
    await writer.start(source);
    const first = source.push('ServerStarted', { version: '1.0', settings });
    await writer.drainTo(first.position);
    assert.equal(await checkpointPosition(folder), first.position, 'the first batch is saved');
    let last = first;
    for (let i = 0; i < 5; i++) {
      last = session(source, i);
      await writer.drainTo(last.position);
      assert.equal(writer.position, last.position);
    }
    assert.match((await logs(folder))['StreamingServer.log']!, /m4\.mp4/, 'lines are in the files at once');
    assert.equal(await checkpointPosition(folder), first.position, 'the checkpoint waits for the interval');
    await writer.stop();
    assert.equal(await checkpointPosition(folder), last.position, 'saved when stopping');
  });

  it('saves once the interval is up after events stop coming', async () => {
    const folder = path.join(dir, 'timer');
    const source = new FakeSource();
    const writer = new LogFileWriter(folder, quiet, 100);
    await writer.start(source);
    source.push('ServerStarted', { version: '1.0', settings });
    await sleep(10);
    const last = session(source, 1);
    await writer.drainTo(last.position);
    for (let waited = 0; waited < 2000 && (await checkpointPosition(folder)) !== last.position; waited += 25) await sleep(25);
    assert.equal(await checkpointPosition(folder), last.position);
    await writer.stop();
  });

  it('saves at once after a roll', async () => {
    const folder = path.join(dir, 'roll');
    const source = new FakeSource();
    const writer = new LogFileWriter(folder, quiet, 60_000);
    await writer.start(source);
    await writer.drainTo(source.push('ServerStarted', { version: '1.0', settings: { ...settings, errorLogRollKB: 1 } }).position);
    let rolledAt = -1;
    for (let i = 0; i < 6 && rolledAt < 0; i++) {
      const event = source.push('ErrorLogged', { level: 'WARNING', message: `${'x'.repeat(400)} ${i}` });
      await writer.drainTo(event.position);
      if ((await readdir(folder)).some((n) => /^Error\.\d{9}\.log$/.test(n))) rolledAt = event.position;
    }
    assert.ok(rolledAt > 0, 'Error.log rolled');
    assert.equal(await checkpointPosition(folder), rolledAt);
    await writer.stop();
  });

  it('keeps the files open between batches, but makes a removed one again within the interval', async () => {
    const folder = path.join(dir, 'removed');
    const source = new FakeSource();
    const writer = new LogFileWriter(folder, quiet, 100);
    await writer.start(source);
    await writer.drainTo(source.push('ServerStarted', { version: '1.0', settings }).position);
    await rm(path.join(folder, 'StreamingServer.log'));
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await writer.drainTo(session(source, i).position);
      found = ((await logs(folder))['StreamingServer.log'] ?? '').includes(`m${i}.mp4`);
      if (!found) await sleep(25);
    }
    assert.ok(found, 'lines reach a StreamingServer.log again');
    await writer.stop();
  });

  it('after a crash between checkpoints, goes on to the same bytes a rebuild writes', async () => {
    const folder = path.join(dir, 'crash');
    const source = new FakeSource();
    const crashed = new LogFileWriter(folder, quiet, 60_000);
    await crashed.start(source);
    await crashed.drainTo(source.push('ServerStarted', { version: '1.0', settings }).position);
    for (let i = 0; i < 4; i++) await crashed.drainTo(session(source, i).position);
    // The process dies: no stop(), the checkpoint is behind the files.
    assert.ok((await checkpointPosition(folder)) < source.events.length - 1);
    const events = source.events.length;
    const restarted = new LogFileWriter(folder, quiet, 60_000);
    const fresh = new FakeSource();
    fresh.events.push(...source.events.slice(0, events));
    await restarted.start(fresh);
    await restarted.drainTo(events - 1);
    await restarted.drainTo(session(fresh, 9).position);
    await restarted.stop();

    const rebuilt = path.join(dir, 'crash-rebuilt');
    await rebuildLogs(fresh.events, rebuilt);
    assert.deepEqual(await logs(folder), await logs(rebuilt));
    assert.equal(await checkpointPosition(folder), fresh.events.length - 1);
  });
});
