import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, realpath, rm, stat, truncate, writeFile, appendFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { firstValueFrom, filter as rxFilter, scan, takeWhile, last } from 'rxjs';
import { WrongExpectedVersionError, type RecordedEvent } from '../../eventstore/eventStore.js';
import {
  CorruptStoreError,
  DuplicateEventIdError,
  StoreClosedError,
  StoreFailedError,
  StoreInUseError,
  openEmbeddedEventStore,
  type EmbeddedEventStoreOptions,
} from '../../eventstore/embedded/index.js';
import { describeEventStoreContract, ev } from './eventStoreContract.js';

const here = dirname(fileURLToPath(import.meta.url));
const tempDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamhouse-es-'));
  tempDirs.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

function openTemp(options?: EmbeddedEventStoreOptions) {
  return async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir, options);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

describeEventStoreContract('embedded', openTemp());
describeEventStoreContract('embedded, 1 KiB segments, no cache, no fsync', openTemp({ segmentSize: 1024, cacheBytes: 0, syncWrites: false }));

const SEGMENT_SPAN = 2 ** 32;
const offsetOf = (position: number): number => position % SEGMENT_SPAN;
const segmentOf = (position: number): number => Math.floor(position / SEGMENT_SPAN);
const segName = (n: number): string => `${String(n).padStart(8, '0')}.seg`;

/** A store with `count` events in stream "s" (data {n}), closed again; returns the events. */
async function seeded(dir: string, count: number, options?: EmbeddedEventStoreOptions): Promise<RecordedEvent[]> {
  const store = await openEmbeddedEventStore(dir, options);
  for (let i = 0; i < count; i++) await store.append('s', [ev('N', { n: i, pad: 'p'.repeat(40) })]);
  const events = await store.readAll();
  await store.close();
  return events;
}

async function flipByte(file: string, offset: number): Promise<void> {
  const content = await readFile(file);
  content[offset] = content[offset]! ^ 0x5a;
  await writeFile(file, content);
}

describe('embedded event store: persistence', () => {
  it('keeps everything across close and reopen, and carries on where it left off', async () => {
    const dir = await tempDir();
    const first = await openEmbeddedEventStore(dir, { segmentSize: 4096 });
    const original: { stream: string; batch: ReturnType<typeof ev>[]; result: { nextExpectedRevision: number; position: number } }[] = [];
    for (let i = 0; i < 60; i++) {
      const stream = `stream-${i % 7}`;
      const batch = Array.from({ length: 1 + (i % 3) }, (_, k) => ev(`T${k}`, { i, k, text: 'ü'.repeat(i) }, { i }));
      original.push({ stream, batch, result: await first.append(stream, batch) });
    }
    const before = await first.readAll();
    const streamsBefore = await first.listStreams();
    assert.ok(first.stats.segments > 1, 'the test spans several segments');
    await first.close();

    const second = await openEmbeddedEventStore(dir, { segmentSize: 4096 });
    try {
      assert.equal(second.tornTail, undefined);
      assert.equal(second.repairReport, undefined);
      assert.deepEqual(await second.readAll(), before);
      assert.deepEqual(await second.readAll({ direction: 'backwards' }), [...before].reverse());
      assert.deepEqual(await second.listStreams(), streamsBefore);
      assert.equal(second.stats.events, before.length);
      for (const name of streamsBefore) {
        assert.deepEqual(
          await second.readStream(name),
          before.filter((e) => e.stream === name),
        );
      }
      // Idempotency survives the restart.
      const retried = original[10]!;
      assert.deepEqual(await second.append(retried.stream, retried.batch), retried.result);
      // Expected revisions and positions carry on.
      const last = (await second.readStream('stream-0', { direction: 'backwards', maxCount: 1 }))[0]!;
      await assert.rejects(second.append('stream-0', [ev('X')], 'no_stream'), WrongExpectedVersionError);
      const next = await second.append('stream-0', [ev('X')], last.revision);
      assert.equal(next.nextExpectedRevision, last.revision + 1);
      assert.ok(next.position > before[before.length - 1]!.position);
    } finally {
      await second.close();
    }
  });

  it('reopens with awkward stream names, ids and types intact', async () => {
    const dir = await tempDir();
    const names = ['quote"d', 'back\\slash', 'comma,and]bracket', 'ünïcødé-✓-𝄞', 'tab\there', 'new\nline'];
    const store = await openEmbeddedEventStore(dir);
    for (const name of names) await store.append(name, [{ id: `${name}#id`, type: `${name}:type`, data: { name } }], 'no_stream');
    const before = await store.readAll();
    await store.close();
    const again = await openEmbeddedEventStore(dir);
    try {
      assert.deepEqual(await again.listStreams(), names);
      assert.deepEqual(await again.readAll(), before);
      for (const name of names) {
        assert.deepEqual(await again.append(name, [{ id: `${name}#id`, type: `${name}:type`, data: { name } }]), {
          nextExpectedRevision: 0,
          position: before.find((e) => e.stream === name)!.position,
        });
        assert.equal((await again.readAll({ filter: { eventTypes: [`${name}:type`] } })).length, 1);
      }
    } finally {
      await again.close();
    }
  });

  it('rolls segment files at the configured size and reads across them', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir, { segmentSize: 2048, cacheBytes: 0 });
    try {
      for (let i = 0; i < 40; i++) await store.append(`s-${i % 3}`, [ev('N', { n: i, pad: 'z'.repeat(100) })]);
      const files = (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
      assert.ok(files.length >= 3, `expected several segments, got ${files.join(', ')}`);
      assert.deepEqual(files, files.map((_, i) => segName(i)));
      for (const f of files.slice(0, -1)) {
        const size = (await stat(join(dir, f))).size;
        assert.ok(size >= 2048 && size < 2048 + 300, `${f} is ${size} bytes`);
      }
      const all = await store.readAll();
      assert.deepEqual(
        all.map((e) => (e.data as { n: number }).n),
        Array.from({ length: 40 }, (_, i) => i),
      );
      const segments = new Set(all.map((e) => segmentOf(e.position)));
      assert.equal(segments.size, files.length);
      const middle = all[20]!.position;
      assert.deepEqual(
        (await store.readAll({ direction: 'backwards', fromPosition: middle, maxCount: 5 })).map((e) => (e.data as { n: number }).n),
        [20, 19, 18, 17, 16],
      );
    } finally {
      await store.close();
    }
  });

  it('lets appends made before close() finish, then refuses calls; close is idempotent', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    const appends = Array.from({ length: 20 }, (_, i) => store.append(`s-${i % 4}`, [ev('N', { i })]));
    const closing = store.close();
    await assert.rejects(store.append('late', [ev('N')]), StoreClosedError);
    await assert.rejects(store.readAll(), StoreClosedError);
    await assert.rejects(store.readStream('s-0'), StoreClosedError);
    const results = await Promise.all(appends);
    await closing;
    await store.close();
    assert.equal(results.length, 20);
    const reopened = await openEmbeddedEventStore(dir);
    try {
      assert.equal((await reopened.readAll()).length, 20);
    } finally {
      await reopened.close();
    }
  });

  it('shares syncs between concurrent appends (group commit)', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    try {
      await Promise.all(Array.from({ length: 64 }, (_, i) => store.append(`s-${i}`, [ev('N', { i })])));
      const { appends, commits, syncs } = store.stats;
      assert.equal(appends, 64);
      assert.ok(commits < 16, `64 concurrent appends took ${commits} commits`);
      assert.equal(syncs, commits);
    } finally {
      await store.close();
    }
  });

  it('fails closed after a write error: that append and later ones are refused, reads still work', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    await store.append('s', [ev('N')]);
    // Simulate an I/O error by closing the segment file under the writer (white-box).
    await (store as unknown as { log: { activeHandle: { close(): Promise<void> } } }).log.activeHandle.close();
    await assert.rejects(store.append('s', [ev('N')]), StoreFailedError);
    await assert.rejects(store.append('t', [ev('N')]), StoreFailedError);
    assert.equal((await store.readStream('s')).length, 1);
    assert.deepEqual(await store.listStreams(), ['s']);
    await store.close();
    const reopened = await openEmbeddedEventStore(dir);
    try {
      assert.equal((await reopened.readAll()).length, 1);
    } finally {
      await reopened.close();
    }
  });

  it('treats the same id in another stream as another event', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    try {
      const shared = ev('N', { n: 1 });
      await store.append('a', [shared]);
      await store.append('b', [shared]);
      assert.equal((await store.readAll()).length, 2);
    } finally {
      await store.close();
    }
  });

  it('rejects appends that repeat ids other than as an exact retry', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    try {
      const [a, b, c] = [ev('N'), ev('N'), ev('N')];
      await store.append('s', [a!, b!]);
      await assert.rejects(store.append('s', [c!, a!]), DuplicateEventIdError);
      await assert.rejects(store.append('s', [b!, a!]), DuplicateEventIdError);
      await assert.rejects(store.append('s', [a!, c!]), DuplicateEventIdError);
      await assert.rejects(store.append('t', [c!, c!]), DuplicateEventIdError);
      // A prefix of the original is a retry of that part.
      assert.equal((await store.append('s', [a!])).nextExpectedRevision, 0);
      assert.equal((await store.readAll()).length, 2);
    } finally {
      await store.close();
    }
  });

  it('rejects unserializable data without storing anything', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    try {
      await assert.rejects(store.append('s', [ev('N', { n: 1 }), ev('N', { big: 1n })]), TypeError);
      assert.deepEqual(await store.readStream('s'), []);
      assert.deepEqual(await store.listStreams(), []);
      const r = await store.append('s', [ev('N', { n: 2 })], 'no_stream');
      assert.equal(r.nextExpectedRevision, 0);
    } finally {
      await store.close();
    }
  });

  it('gives every reader its own copy of event data', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    try {
      await store.append('s', [ev('N', { list: [1] })]);
      const first = (await store.readStream('s'))[0]!;
      (first.data as { list: number[] }).list.push(2);
      assert.deepEqual((await store.readStream('s'))[0]!.data, { list: [1] });
    } finally {
      await store.close();
    }
  });
});

describe('embedded event store: damaged logs', () => {
  it('cuts off an incomplete final record (a torn write) silently and says so', async () => {
    for (const cut of [5, 12 + 10]) {
      const dir = await tempDir();
      const events = await seeded(dir, 5);
      const file = join(dir, segName(0));
      const lastOffset = offsetOf(events[4]!.position);
      const size = (await stat(file)).size;
      await truncate(file, lastOffset + cut);
      const store = await openEmbeddedEventStore(dir);
      try {
        assert.deepEqual(store.tornTail, { file, offset: lastOffset, bytesDropped: cut, reason: store.tornTail!.reason });
        assert.ok(size > lastOffset + cut);
        assert.deepEqual(await store.readAll(), events.slice(0, 4));
        assert.equal((await store.append('s', [ev('N', { n: 'after' })], 3)).nextExpectedRevision, 4);
      } finally {
        await store.close();
      }
      const again = await openEmbeddedEventStore(dir);
      try {
        assert.equal(again.tornTail, undefined);
        assert.equal((await again.readAll()).length, 5);
      } finally {
        await again.close();
      }
    }
  });

  it('rewrites a torn header of a freshly created last segment', async () => {
    const dir = await tempDir();
    await seeded(dir, 3);
    await writeFile(join(dir, segName(1)), Buffer.from('SHE'));
    const store = await openEmbeddedEventStore(dir);
    try {
      assert.equal(store.tornTail?.file, join(dir, segName(1)));
      assert.equal(store.tornTail?.offset, 0);
      assert.equal((await store.readAll()).length, 3);
      await store.append('s', [ev('N')], 2);
    } finally {
      await store.close();
    }
    const again = await openEmbeddedEventStore(dir);
    assert.equal((await again.readAll()).length, 4);
    await again.close();
  });

  it('refuses a checksum mismatch in the last record, naming file and offset; repair drops that record', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 5);
    const file = join(dir, segName(0));
    const lastOffset = offsetOf(events[4]!.position);
    const size = (await stat(file)).size;
    await flipByte(file, lastOffset + 20);

    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
      assert.ok(error instanceof CorruptStoreError);
      assert.match(error.message, new RegExp(`${segName(0)} at byte offset ${lastOffset}\\b`));
      assert.match(error.message, /payload checksum mismatch/);
      assert.equal(error.file, file);
      assert.equal(error.offset, lastOffset);
      assert.equal(error.bytesAfter, size - lastOffset);
      assert.equal(error.intactRecordsAfter, 0);
      return true;
    });
    // Refusing did not leave the store locked.
    const repaired = await openEmbeddedEventStore(dir, { repair: true });
    try {
      const report = repaired.repairReport!;
      assert.equal(report.file, file);
      assert.equal(report.offset, lastOffset);
      assert.equal(report.bytesDropped, size - lastOffset);
      assert.equal(report.intactRecordsDropped, 0);
      assert.deepEqual(report.droppedSegments, []);
      assert.equal(report.savedAs.length, 1);
      assert.equal((await readFile(report.savedAs[0]!)).length, size - lastOffset);
      assert.deepEqual(await repaired.readAll(), events.slice(0, 4));
      await repaired.append('s', [ev('N')], 3);
    } finally {
      await repaired.close();
    }
    const again = await openEmbeddedEventStore(dir);
    try {
      assert.equal(again.repairReport, undefined);
      assert.equal((await again.readAll()).length, 5);
    } finally {
      await again.close();
    }
  });

  it('refuses a damaged record in the middle, reporting the intact records after it; repair keeps the prefix', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 5);
    const file = join(dir, segName(0));
    const badOffset = offsetOf(events[2]!.position);
    const size = (await stat(file)).size;
    await flipByte(file, badOffset + 30);

    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
      assert.ok(error instanceof CorruptStoreError);
      assert.ok(error.message.includes(`${file} at byte offset ${badOffset}:`), error.message);
      assert.match(error.message, /2 intact record\(s\) follow/);
      assert.equal(error.intactRecordsAfter, 2);
      return true;
    });
    const repaired = await openEmbeddedEventStore(dir, { repair: true });
    try {
      assert.deepEqual(
        { ...repaired.repairReport!, savedAs: [] },
        {
          file,
          offset: badOffset,
          reason: 'record payload checksum mismatch',
          bytesDropped: size - badOffset,
          intactRecordsDropped: 2,
          droppedSegments: [],
          savedAs: [],
        },
      );
      assert.deepEqual(await repaired.readAll(), events.slice(0, 2));
    } finally {
      await repaired.close();
    }
  });

  it('does not mistake a damaged length field for a torn write', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 3);
    const file = join(dir, segName(0));
    const lastOffset = offsetOf(events[2]!.position);
    // Make the last record claim more bytes than the file has: the header checksum catches it.
    await flipByte(file, lastOffset + 1);
    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
      assert.ok(error instanceof CorruptStoreError);
      assert.match(error.message, /record header checksum mismatch/);
      assert.equal(error.offset, lastOffset);
      return true;
    });
  });

  it('asks for a repair when the tail is zero-filled rather than cut short', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 3);
    const file = join(dir, segName(0));
    const size = (await stat(file)).size;
    await appendFile(file, Buffer.alloc(64));
    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => error instanceof CorruptStoreError && error.offset === size);
    const repaired = await openEmbeddedEventStore(dir, { repair: true });
    try {
      assert.equal(repaired.repairReport!.bytesDropped, 64);
      assert.deepEqual(await repaired.readAll(), events);
    } finally {
      await repaired.close();
    }
  });

  it('refuses an incomplete record at the end of a segment that is not the last; repair drops later segments', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 30, { segmentSize: 1024 });
    const segments = [...new Set(events.map((e) => segmentOf(e.position)))];
    assert.ok(segments.length >= 3);
    const inFirst = events.filter((e) => segmentOf(e.position) === 0);
    const lastOfFirst = inFirst[inFirst.length - 1]!;
    const file0 = join(dir, segName(0));
    await truncate(file0, offsetOf(lastOfFirst.position) + 20);
    const laterBytes = (await Promise.all(segments.slice(1).map(async (s) => (await stat(join(dir, segName(s)))).size))).reduce((a, b) => a + b);

    await assert.rejects(openEmbeddedEventStore(dir, { segmentSize: 1024 }), (error: unknown) => {
      assert.ok(error instanceof CorruptStoreError);
      assert.ok(error.message.includes(`${file0} at byte offset ${offsetOf(lastOfFirst.position)}:`), error.message);
      assert.match(error.message, /extends past the end of the file/);
      return true;
    });
    const repaired = await openEmbeddedEventStore(dir, { segmentSize: 1024, repair: true });
    try {
      const report = repaired.repairReport!;
      assert.equal(report.file, file0);
      assert.equal(report.bytesDropped, 20 + laterBytes);
      assert.deepEqual(
        report.droppedSegments,
        segments.slice(1).map((s) => join(dir, segName(s))),
      );
      assert.equal(report.intactRecordsDropped, events.length - inFirst.length);
      assert.deepEqual(await repaired.readAll(), inFirst.slice(0, -1));
      const files = (await readdir(dir)).filter((f) => f.endsWith('.seg'));
      assert.deepEqual(files, [segName(0)]);
      // And it carries on into a fresh segment 1.
      for (let i = 0; i < 10; i++) await repaired.append('s', [ev('N', { pad: 'q'.repeat(100) })]);
      assert.ok(repaired.stats.segments >= 2);
    } finally {
      await repaired.close();
    }
    const again = await openEmbeddedEventStore(dir, { segmentSize: 1024 });
    assert.equal((await again.readAll()).length, inFirst.length - 1 + 10);
    await again.close();
  });

  it('refuses a missing segment', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 30, { segmentSize: 1024 });
    const segments = [...new Set(events.map((e) => segmentOf(e.position)))];
    assert.ok(segments.length >= 3);
    await unlink(join(dir, segName(1)));
    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
      assert.ok(error instanceof CorruptStoreError);
      assert.ok(error.message.includes(`${join(dir, segName(1))} at byte offset 0: segment file is missing`), error.message);
      return true;
    });
    const repaired = await openEmbeddedEventStore(dir, { repair: true });
    try {
      assert.deepEqual(
        await repaired.readAll(),
        events.filter((e) => segmentOf(e.position) === 0),
      );
    } finally {
      await repaired.close();
    }
  });

  it('reports damage found by a read after open as CorruptStoreError', async () => {
    const dir = await tempDir();
    const events = await seeded(dir, 5);
    const store = await openEmbeddedEventStore(dir, { cacheBytes: 0 });
    try {
      await flipByte(join(dir, segName(0)), offsetOf(events[3]!.position) + 25);
      await assert.rejects(store.readAll(), CorruptStoreError);
      assert.equal((await store.readStream('s', { maxCount: 3 })).length, 3);
    } finally {
      await store.close();
    }
  });
});

describe('embedded event store: lock', () => {
  it('refuses a second open in the same process until the first is closed', async () => {
    const dir = await tempDir();
    const store = await openEmbeddedEventStore(dir);
    const real = await realpath(dir);
    await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
      assert.ok(error instanceof StoreInUseError);
      assert.equal(error.message, `event store at ${real} is in use by process ${process.pid}`);
      return true;
    });
    await store.close();
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('LOCK')), [], 'the lock file is removed on close');
    const again = await openEmbeddedEventStore(dir);
    await again.close();
  });

  it('refuses a store held by another process, and takes it over once that process is dead', async () => {
    const dir = await tempDir();
    const child = spawnTs('holdStore.ts', [dir]);
    try {
      await waitForLine(child, 'ready', 20_000);
      const real = await realpath(dir);
      await assert.rejects(openEmbeddedEventStore(dir), (error: unknown) => {
        assert.ok(error instanceof StoreInUseError);
        assert.equal(error.pid, child.pid);
        assert.equal(error.message, `event store at ${real} is in use by process ${child.pid}`);
        return true;
      });
    } finally {
      await killHard(child);
    }
    const store = await openEmbeddedEventStore(dir);
    try {
      const held = await store.readStream('held');
      assert.equal(held.length, 1);
      assert.deepEqual(held[0]!.data, { pid: child.pid });
      const lock = JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8')) as { pid: number };
      assert.equal(lock.pid, process.pid);
    } finally {
      await store.close();
    }
  });

  it('takes over a stale lock file of a dead process, or one with our pid left by an earlier run', async () => {
    const dir = await tempDir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    for (const pid of [gone.pid!, process.pid]) {
      await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid }));
      const store = await openEmbeddedEventStore(dir);
      await store.close();
    }
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('LOCK')), []);
  });
});

describe('embedded event store: crash safety', () => {
  it('keeps every acknowledged append when the writer is killed with SIGKILL (20 runs)', { timeout: 60_000 }, async (t) => {
    const started = Date.now();
    let tornTails = 0;
    let acknowledged = 0;
    for (let run = 0; run < 20; run++) {
      const dir = await tempDir();
      // Odd runs write big events (multi-MB group commits), which a kill sometimes tears mid-write.
      const child = spawnTs('crashWriter.ts', [dir, '4', run % 2 === 0 ? '600' : '20000']);
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      try {
        await waitForLine(child, 'ready', 20_000);
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 350));
      } finally {
        await killHard(child);
      }

      // Only complete lines were acknowledged and printed before the kill.
      const lines = output.split('\n').slice(0, -1).filter((l) => l !== 'ready');
      const acks = new Map<string, { revision: number; position: number }[]>();
      for (const line of lines) {
        const [stream, revision, position] = line.split(' ');
        const list = acks.get(stream!) ?? [];
        list.push({ revision: Number(revision), position: Number(position) });
        acks.set(stream!, list);
      }
      acknowledged += lines.length;

      const store = await openEmbeddedEventStore(dir);
      try {
        if (store.tornTail !== undefined) tornTails++;
        const all = await store.readAll();
        for (let i = 1; i < all.length; i++) assert.ok(all[i]!.position > all[i - 1]!.position);
        const byStream = new Map<string, RecordedEvent[]>();
        for (const e of all) {
          const list = byStream.get(e.stream) ?? [];
          list.push(e);
          byStream.set(e.stream, list);
        }
        for (const [stream, events] of byStream) {
          events.forEach((e, i) => {
            assert.equal(e.revision, i, `${stream} revisions are contiguous`);
            assert.equal((e.data as { revision: number }).revision, i, `${stream} data matches its revision`);
          });
        }
        for (const [stream, list] of acks) {
          const events = byStream.get(stream) ?? [];
          for (const ack of list) {
            const stored = events[ack.revision];
            assert.ok(stored !== undefined, `run ${run}: acknowledged ${stream}@${ack.revision} is missing (have ${events.length})`);
            assert.equal(stored.position, ack.position, `run ${run}: ${stream}@${ack.revision} moved`);
          }
        }
        // The store is usable after the crash.
        await store.append('after-crash', [ev('N')], 'no_stream');
      } finally {
        await store.close();
      }
      await rm(dir, { recursive: true, force: true });
    }
    t.diagnostic(`crash test: 20 kills, ${acknowledged} acknowledged appends checked, ${tornTails} torn tail(s) cut, ${Date.now() - started} ms`);
  });
});

describe('embedded event store: throughput (measured, not asserted)', () => {
  it('measures durable batched appends and replay', { timeout: 120_000 }, async (t) => {
    const dir = await tempDir();
    const total = 100_000;
    const batchSize = 500;
    const appenders = 8;
    const store = await openEmbeddedEventStore(dir);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: appenders }, async (_, k) => {
        for (let b = 0; b < total / batchSize / appenders; b++) {
          await store.append(
            `bench-${k}`,
            Array.from({ length: batchSize }, (_, i) => ({ id: randomUUID(), type: 'Tick', data: { k, b, i, note: 'small event' } })),
          );
        }
      }),
    );
    const appendSeconds = (performance.now() - t0) / 1000;
    const { commits, syncs, logBytes } = store.stats;
    await store.close();

    const t1 = performance.now();
    const reopened = await openEmbeddedEventStore(dir);
    const openSeconds = (performance.now() - t1) / 1000;
    try {
      const t2 = performance.now();
      const all = await reopened.readAll();
      const readSeconds = (performance.now() - t2) / 1000;
      assert.equal(all.length, total);

      const t3 = performance.now();
      const folded = await firstValueFrom(
        reopened.subscribeToAll().pipe(
          takeWhile((item) => item.kind !== 'caughtUp'),
          rxFilter((item) => item.kind === 'event'),
          scan((count) => count + 1, 0),
          last(),
        ),
      );
      const subscribeSeconds = (performance.now() - t3) / 1000;
      assert.equal(folded, total);

      const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en-US')} events/s`;
      t.diagnostic(
        `durable appends: ${rate(total, appendSeconds)} (${total} events, batches of ${batchSize}, ${appenders} concurrent appenders, ` +
          `${commits} group commits, ${syncs} fdatasyncs, ${(logBytes / 1048576).toFixed(1)} MiB)`,
      );
      t.diagnostic(`open (scan + index rebuild): ${rate(total, openSeconds)} (${(openSeconds * 1000).toFixed(0)} ms)`);
      t.diagnostic(`replay readAll: ${rate(total, readSeconds)}`);
      t.diagnostic(`replay subscribeToAll fold: ${rate(total, subscribeSeconds)}`);
    } finally {
      await reopened.close();
    }
  });
});

// ------------------------------------------------------------------ child processes

function spawnTs(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    const timer = setTimeout(() => fail(new Error(`child did not print "${line}" within ${timeoutMs} ms: ${errors}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      if (seen.split('\n').includes(line)) finish();
    };
    const onErr = (chunk: Buffer): void => {
      errors += chunk.toString('utf8');
    };
    const onExit = (code: number | null): void => fail(new Error(`child exited (${code}) before printing "${line}": ${errors}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
    };
    const finish = (): void => {
      cleanup();
      resolve();
    };
    const fail = (error: Error): void => {
      cleanup();
      reject(error);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
