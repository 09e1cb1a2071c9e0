import { mkdir, realpath } from 'node:fs/promises';
import { Observable } from 'rxjs';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeAllOptions,
  type SubscribeStreamOptions,
  type SubscriptionItem,
} from '../eventStore.js';
import { CorruptStoreError, DuplicateEventIdError, StoreClosedError, StoreFailedError } from './errors.js';
import { EventIndex, type StreamEntry } from './eventIndex.js';
import { recoverLog, type RecordVisitor, type RecoveredLog, type RepairReport, type TornTailReport } from './logRecovery.js';
import { LoopBudget } from './loopBudget.js';
import { RecordCache } from './recordCache.js';
import {
  RecordDecodeError,
  SEGMENT_HEADER_BYTES,
  decodeRecord,
  encodeRecord,
  offsetOfPosition,
  positionOf,
  segmentFileName,
  segmentOfPosition,
  serializeBody,
  type SerializedBody,
} from './recordCodec.js';
import { SegmentLog, type WriteChunk } from './segmentLog.js';
import { acquireStoreLock, type StoreLock } from './storeLock.js';
import { AllSubscription, StreamSubscription, compileFilter, type Subscription, type SubscriptionHost } from './subscriptions.js';

/*
 * The embedded event store: the server's default, zero set-up, on local disk.
 *
 * Durability rule: append() resolves only once its records are written and (with syncWrites, the
 * default) fdatasync'ed; until then nobody can read them and subscriptions do not see them.
 * Group commit: appends are validated and encoded on the caller's turn and queued; a single writer
 * loop takes everything queued (up to 4 MiB), writes it with one write per segment and one fdatasync,
 * then makes the whole batch visible, wakes the subscriptions and resolves every append in it. While a
 * sync is in flight, new appends pile up for the next round, so throughput grows with concurrency.
 * With syncWrites: false the fdatasync is skipped: appends survive a process crash, not a power cut.
 *
 * Appends to one stream are serialized (a per-stream queue) up to the moment they are queued for the
 * writer, so expected-revision and idempotency checks see every earlier append to that stream,
 * durable or still queued. All file I/O goes through fs/promises; the event loop only does the
 * encoding, decoding and index work, and long reads and subscription catch-ups are paced by a shared
 * loop budget (loopBudget.ts).
 *
 * Opening scans and checks the whole log (logRecovery.ts: an incomplete final record left by a crash
 * is cut off silently; any other damage refuses to open unless { repair: true }).
 *
 * Memory: the index keeps about 30-40 bytes per event (position, length, stream and type numbers,
 * id hash; eventIndex.ts, idTable.ts) plus each stream's list of ordinals; event data and metadata are
 * read back from the segment files, with a byte-bounded cache (default 8 MiB) of recent records.
 */

export interface EmbeddedEventStoreOptions {
  /** Truncate a damaged log to its last good record instead of refusing to open. Default false. */
  readonly repair?: boolean;
  /** fdatasync every group commit before acknowledging. Default true. */
  readonly syncWrites?: boolean;
  /** Roll to a new segment file at the first record boundary at or past this size. Default 64 MiB. */
  readonly segmentSize?: number;
  /** Bytes of recently written or read records kept in memory. Default 8 MiB. */
  readonly cacheBytes?: number;
}

export interface EmbeddedStoreStats {
  readonly events: number;
  readonly streams: number;
  readonly segments: number;
  /** Bytes in the log, headers included. */
  readonly logBytes: number;
  /** Position of the last durable event (0 when empty). */
  readonly headPosition: number;
  /** Append calls that stored events. */
  readonly appends: number;
  /** Group commits (write + sync rounds). */
  readonly commits: number;
  readonly syncs: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Positional reads issued to segment files. */
  readonly diskReads: number;
  readonly subscriptions: number;
}

const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;
const MIN_SEGMENT_SIZE = 1024;
const MAX_SEGMENT_SIZE = 1024 * 1024 * 1024;
const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;
/** Upper bound of bytes taken into one group commit. */
const MAX_COMMIT_BYTES = 4 * 1024 * 1024;
/** Reads of nearby records are merged when the gap between them is at most this. */
const READ_GAP_BYTES = 64 * 1024;
const MAX_READ_BYTES = 256 * 1024;
/** Events decoded per slice of a read; reads yield to the event loop between slices. */
const READ_SLICE = 1000;
/** Reads of at most this many records populate the cache. */
const CACHE_READS_UP_TO = 64;

export async function openEmbeddedEventStore(directory: string, options: EmbeddedEventStoreOptions = {}): Promise<EmbeddedEventStore> {
  const segmentSize = options.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE) {
    throw new RangeError(`segmentSize must be an integer between ${MIN_SEGMENT_SIZE} and ${MAX_SEGMENT_SIZE}`);
  }
  await mkdir(directory, { recursive: true });
  const dir = await realpath(directory);
  const lock = await acquireStoreLock(dir);
  try {
    const index = new EventIndex();
    const recovered = await recoverLog(dir, indexingVisitor(index), options.repair ?? false);
    index.markDurable(index.count);
    const log = await SegmentLog.open(dir, recovered.lastSegment);
    return new EmbeddedEventStore(dir, lock, index, log, recovered, {
      syncWrites: options.syncWrites ?? true,
      segmentSize,
      cacheBytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function indexingVisitor(index: EventIndex): RecordVisitor {
  return (event, position, length) => {
    const entry = index.stream(event.stream);
    const expected = entry === undefined ? 0 : entry.ordinals.length;
    if (event.revision !== expected) {
      return `record of ${event.stream} has revision ${event.revision}, expected ${expected}`;
    }
    index.add(entry ?? index.createStream(event.stream), event.id, event.type, position, length);
    return undefined;
  };
}

interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly body: SerializedBody;
}

interface PendingRecord {
  readonly ordinal: number;
  readonly id: string;
  readonly revision: number;
  readonly segment: number;
  readonly offset: number;
  readonly bytes: Buffer;
}

interface CommitBatch {
  readonly records: readonly PendingRecord[];
  readonly result: AppendResult;
  readonly promise: Promise<AppendResult>;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** The result of the serialized part of an append: the promise of its durability (not awaited under the lock). */
interface Ticket {
  readonly done: Promise<AppendResult>;
}

interface StoreSettings {
  readonly syncWrites: boolean;
  readonly segmentSize: number;
  readonly cacheBytes: number;
}

export class EmbeddedEventStore implements EventStore {
  /** What a repair dropped when opened with { repair: true } on a damaged log. */
  readonly repairReport: RepairReport | undefined;
  /** The unacknowledged incomplete final record cut off at open, if there was one (see logRecovery.ts). */
  readonly tornTail: TornTailReport | undefined;

  private readonly cache: RecordCache;
  private readonly budget = new LoopBudget();
  private readonly pending = new Map<number, PendingRecord>();
  private readonly queue: CommitBatch[] = [];
  private writing = false;
  private writerIdle: Promise<void> = Promise.resolve();
  private releaseWriterIdle: () => void = () => undefined;
  private tailSegment: number;
  private tailOffset: number;
  private logBytes: number;
  private durableSegment: number;
  private failure: unknown = undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined;

  private readonly streamLocks = new Map<string, Promise<unknown>>();
  private readonly appendsInFlight = new Set<Promise<unknown>>();
  private readonly readsInFlight = new Set<Promise<unknown>>();

  private readonly subscriptions = new Set<Subscription>();
  private readonly allSubscriptions = new Set<AllSubscription>();
  private readonly streamSubscriptions = new Map<string, Set<StreamSubscription>>();
  private readonly host: SubscriptionHost;

  private appends = 0;
  private commits = 0;
  private syncs = 0;
  private diskReads = 0;

  /** Use openEmbeddedEventStore. */
  constructor(
    readonly directory: string,
    private readonly lock: StoreLock,
    private readonly index: EventIndex,
    private readonly log: SegmentLog,
    recovered: RecoveredLog,
    private readonly settings: StoreSettings,
  ) {
    this.repairReport = recovered.repair;
    this.tornTail = recovered.tornTail;
    this.tailSegment = recovered.lastSegment;
    this.tailOffset = recovered.lastSegmentSize;
    this.logBytes = recovered.bytes;
    this.durableSegment = recovered.lastSegment;
    this.cache = new RecordCache(settings.cacheBytes);
    this.host = {
      index,
      readOrdinals: (ordinals) => this.readOrdinals(ordinals),
      turn: () => this.budget.turn(),
      forget: (subscription) => {
        this.subscriptions.delete(subscription);
        if (subscription instanceof AllSubscription) this.allSubscriptions.delete(subscription);
        else if (subscription instanceof StreamSubscription) {
          const set = this.streamSubscriptions.get(subscription.stream);
          set?.delete(subscription);
          if (set?.size === 0) this.streamSubscriptions.delete(subscription.stream);
        }
      },
    };
  }

  get stats(): EmbeddedStoreStats {
    return {
      events: this.index.durableCount,
      streams: this.index.streams.filter((s) => s.durableLength > 0).length,
      segments: this.log.segments,
      logBytes: this.logBytes,
      headPosition: this.index.headPosition(),
      appends: this.appends,
      commits: this.commits,
      syncs: this.syncs,
      cacheHits: this.cache.hits,
      cacheMisses: this.cache.misses,
      diskReads: this.diskReads,
      subscriptions: this.subscriptions.size,
    };
  }

  // ---------------------------------------------------------------- append

  append(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    if (this.closing) return Promise.reject(new StoreClosedError(this.directory));
    let prepared: PreparedEvent[];
    try {
      validateAppend(stream, events, expected);
      // Serialized now: what is stored is the data as it was at the call, and bad data fails fast.
      prepared = events.map((e) => ({ id: e.id, type: e.type, body: serializeBody(e) }));
    } catch (error) {
      return Promise.reject(error);
    }
    const done = this.withStreamLock(stream, () => this.appendSerialized(stream, prepared, expected)).then((ticket) => ticket.done);
    return track(this.appendsInFlight, done);
  }

  /** Runs `step` after every earlier step for the same stream has finished (fast path: right away). */
  private withStreamLock<T>(stream: string, step: () => Promise<T>): Promise<T> {
    const previous = this.streamLocks.get(stream);
    const run = previous === undefined ? step() : previous.then(step);
    const gate = run.then(noop, noop);
    this.streamLocks.set(stream, gate);
    void gate.then(() => {
      if (this.streamLocks.get(stream) === gate) this.streamLocks.delete(stream);
    });
    return run;
  }

  private async appendSerialized(stream: string, events: readonly PreparedEvent[], expected: ExpectedRevision): Promise<Ticket> {
    // Runs right away when the stream has no append in progress; everything up to enqueue() is
    // synchronous unless an id needs checking against the disk.
    if (this.failure !== undefined) throw new StoreFailedError(this.directory, this.failure);
    const entry = this.index.stream(stream);
    if (entry !== undefined && events.length > 0) {
      const candidates = events.map((e) => this.index.idCandidates(entry, e.id));
      // Almost always no id hashes match and the append goes on without awaiting anything.
      if (candidates.some((c) => c.length > 0)) {
        const retry = await this.retriedAppend(entry, events, candidates);
        if (retry !== undefined) return retry;
      }
    }
    const actual = entry === undefined ? -1 : entry.ordinals.length - 1;
    if (!expectedMatches(expected, actual)) throw new WrongExpectedVersionError(stream, expected, actual);
    if (this.failure !== undefined) throw new StoreFailedError(this.directory, this.failure);
    if (events.length === 0) {
      const result: AppendResult = {
        nextExpectedRevision: actual,
        position: entry === undefined || actual < 0 ? -1 : this.index.position(entry.ordinals[actual]!),
      };
      return { done: (entry?.lastBatch ?? Promise.resolve()).then(() => result) };
    }
    return { done: this.enqueue(stream, entry, events) };
  }

  /**
   * Idempotency: if the append's ids are already in the stream (same ids, same order, consecutive
   * revisions) it is a retry; returns the original result once those events are durable. If some ids
   * exist but not like that, throws DuplicateEventIdError. Undefined: none exist, a genuinely new append.
   */
  private async retriedAppend(
    entry: StreamEntry,
    events: readonly PreparedEvent[],
    candidates: readonly (readonly number[])[],
  ): Promise<Ticket | undefined> {
    const found: (number | undefined)[] = [];
    for (let i = 0; i < events.length; i++) {
      let match: number | undefined;
      for (const ordinal of candidates[i]!) {
        if ((await this.idAt(ordinal)) === events[i]!.id) {
          match = ordinal;
          break;
        }
      }
      found.push(match);
    }
    const firstFound = found.findIndex((o) => o !== undefined);
    if (firstFound < 0) return undefined;
    const first = found[0];
    if (first === undefined) {
      throw new DuplicateEventIdError(entry.name, events[firstFound]!.id, 'already exists in the stream, and this append is not a retry of the one that stored it');
    }
    const firstRevision = this.index.revisionOf(entry, first);
    for (let k = 0; k < events.length; k++) {
      if (found[k] === undefined || entry.ordinals[firstRevision + k] !== found[k]) {
        throw new DuplicateEventIdError(
          entry.name,
          events[k]!.id,
          'the append repeats ids already in the stream but not in the same order at consecutive revisions',
        );
      }
    }
    const last = found[events.length - 1]!;
    const result: AppendResult = { nextExpectedRevision: firstRevision + events.length - 1, position: this.index.position(last) };
    if (last < this.index.durableCount) return { done: Promise.resolve(result) };
    return { done: (entry.lastBatch ?? Promise.resolve()).then(() => result) };
  }

  private async idAt(ordinal: number): Promise<string> {
    const pending = this.pending.get(ordinal);
    if (pending !== undefined) return pending.id;
    const [event] = await this.readOrdinals([ordinal]);
    return event!.id;
  }

  /** Assigns positions, encodes, indexes and queues the events. Synchronous, so appends queue in order. */
  private enqueue(stream: string, existing: StreamEntry | undefined, events: readonly PreparedEvent[]): Promise<AppendResult> {
    const recordedAt = Date.now();
    let segment = this.tailSegment;
    let offset = this.tailOffset;
    let revision = existing === undefined ? 0 : existing.ordinals.length;
    const encoded: { segment: number; offset: number; position: number; revision: number; bytes: Buffer }[] = [];
    for (let i = 0; i < events.length; i++) {
      if (offset >= this.settings.segmentSize) {
        segment++;
        offset = SEGMENT_HEADER_BYTES;
      }
      const event = events[i]!;
      const position = positionOf(segment, offset);
      // May throw (an event too large): nothing has changed yet.
      const bytes = encodeRecord(event.id, stream, revision, position, event.type, recordedAt, event.body);
      encoded.push({ segment, offset, position, revision, bytes });
      offset += bytes.length;
      revision++;
    }

    // From here on nothing throws.
    this.tailSegment = segment;
    this.tailOffset = offset;
    const entry = existing ?? this.index.createStream(stream);
    const records: PendingRecord[] = [];
    for (let i = 0; i < events.length; i++) {
      const r = encoded[i]!;
      const ordinal = this.index.add(entry, events[i]!.id, events[i]!.type, r.position, r.bytes.length);
      const record: PendingRecord = { ordinal, id: events[i]!.id, revision: r.revision, segment: r.segment, offset: r.offset, bytes: r.bytes };
      this.pending.set(ordinal, record);
      records.push(record);
    }
    const last = encoded[encoded.length - 1]!;
    const result: AppendResult = { nextExpectedRevision: last.revision, position: last.position };
    let resolve!: (result: AppendResult) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<AppendResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    entry.lastBatch = promise;
    // lastBatch is also awaited by later retries; the caller handles the rejection of `promise` itself.
    promise.catch(noop);
    this.queue.push({ records, result, promise, resolve, reject });
    this.appends++;
    if (!this.writing) {
      this.writing = true;
      this.writerIdle = new Promise((res) => (this.releaseWriterIdle = res));
      // Start on the next microtask so that appends made in the same turn share the first commit.
      queueMicrotask(() => void this.writeLoop());
    }
    return promise;
  }

  /** The group-commit writer: one write per segment and one fdatasync per round. */
  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batches = this.takeBatches();
        try {
          this.syncs += await this.log.write(toChunks(batches), this.settings.syncWrites);
        } catch (error) {
          this.fail(error, batches);
          break;
        }
        this.commit(batches);
      }
    } catch (error) {
      // Not an I/O failure but a bug; still, never leave appends hanging.
      this.fail(error, []);
    } finally {
      this.writing = false;
      this.releaseWriterIdle();
    }
  }

  private takeBatches(): CommitBatch[] {
    let bytes = 0;
    let count = 0;
    for (const batch of this.queue) {
      let batchBytes = 0;
      for (const r of batch.records) batchBytes += r.bytes.length;
      if (count > 0 && bytes + batchBytes > MAX_COMMIT_BYTES) break;
      bytes += batchBytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  /** The batches are durable: make them visible, wake the subscriptions, acknowledge them. */
  private commit(batches: readonly CommitBatch[]): void {
    const from = this.index.durableCount;
    let end = from;
    for (const batch of batches) {
      for (const r of batch.records) {
        this.pending.delete(r.ordinal);
        this.cache.set(r.ordinal, r.bytes);
        this.logBytes += r.bytes.length;
        if (r.segment !== this.durableSegment) {
          this.durableSegment = r.segment;
          this.logBytes += SEGMENT_HEADER_BYTES;
        }
        end = r.ordinal + 1;
      }
    }
    this.index.markDurable(end);
    this.commits++;
    try {
      this.wakeSubscriptions(from, end);
    } finally {
      for (const batch of batches) batch.resolve(batch.result);
    }
  }

  /** Subscriptions read the new events themselves (see subscriptions.ts); this only nudges them. */
  private wakeSubscriptions(from: number, end: number): void {
    for (const subscription of this.allSubscriptions) subscription.wake();
    if (this.streamSubscriptions.size === 0) return;
    let lastStream = -1;
    for (let o = from; o < end; o++) {
      const s = this.index.streamOf[o]!;
      if (s === lastStream) continue;
      lastStream = s;
      const subscriptions = this.streamSubscriptions.get(this.index.streams[s]!.name);
      if (subscriptions !== undefined) for (const subscription of subscriptions) subscription.wake();
    }
  }

  /** A write or sync failed: nothing more is accepted; everything not yet durable fails. */
  private fail(error: unknown, batches: readonly CommitBatch[]): void {
    this.failure = error;
    const failed = new StoreFailedError(this.directory, error);
    for (const batch of [...batches, ...this.queue.splice(0)]) batch.reject(failed);
  }

  // ---------------------------------------------------------------- reads

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (this.closing) return Promise.reject(new StoreClosedError(this.directory));
    try {
      const maxCount = checkCount(options.maxCount);
      if (options.fromRevision !== undefined && (!Number.isSafeInteger(options.fromRevision) || options.fromRevision < 0)) {
        throw new RangeError('fromRevision must be a non-negative integer');
      }
      const entry = this.index.stream(stream);
      if (entry === undefined || entry.durableLength === 0 || maxCount === 0) return Promise.resolve([]);
      const last = entry.durableLength - 1;
      let ordinals: number[];
      if ((options.direction ?? 'forwards') === 'forwards') {
        const from = options.fromRevision ?? 0;
        if (from > last) return Promise.resolve([]);
        ordinals = entry.ordinals.slice(from, Math.min(last + 1, from + maxCount));
      } else {
        const from = Math.min(options.fromRevision ?? last, last);
        ordinals = entry.ordinals.slice(Math.max(0, from - maxCount + 1), from + 1).reverse();
      }
      return this.readOrdinals(ordinals);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (this.closing) throw new StoreClosedError(this.directory);
    const maxCount = checkCount(options.maxCount);
    if (options.fromPosition !== undefined && (typeof options.fromPosition !== 'number' || Number.isNaN(options.fromPosition))) {
      throw new RangeError('fromPosition must be a number');
    }
    const filter = compileFilter(this.index, options.filter);
    const ordinals: number[] = [];
    let scanned = 0;
    if ((options.direction ?? 'forwards') === 'forwards') {
      const head = this.index.durableCount;
      let o = options.fromPosition === undefined ? 0 : this.index.firstOrdinalAfter(options.fromPosition - 1);
      for (; o < head && ordinals.length < maxCount; o++) {
        if (filter === undefined || filter(o)) ordinals.push(o);
        if (++scanned % 200_000 === 0) await yieldToEventLoop();
      }
    } else {
      let o = options.fromPosition === undefined ? this.index.durableCount - 1 : this.index.lastOrdinalAtOrBefore(options.fromPosition);
      for (; o >= 0 && ordinals.length < maxCount; o--) {
        if (filter === undefined || filter(o)) ordinals.push(o);
        if (++scanned % 200_000 === 0) await yieldToEventLoop();
      }
    }
    return this.readOrdinals(ordinals);
  }

  listStreams(): Promise<string[]> {
    if (this.closing) return Promise.reject(new StoreClosedError(this.directory));
    const names: string[] = [];
    for (const entry of this.index.streams) if (entry.durableLength > 0) names.push(entry.name);
    return Promise.resolve(names);
  }

  /** Reads durable events by ordinal, in the order given: cache first, then merged positional reads. */
  private readOrdinals(ordinals: readonly number[]): Promise<RecordedEvent[]> {
    return track(this.readsInFlight, this.readOrdinalsNow(ordinals));
  }

  private async readOrdinalsNow(ordinals: readonly number[]): Promise<RecordedEvent[]> {
    const out = new Array<RecordedEvent>(ordinals.length);
    const cacheReads = ordinals.length <= CACHE_READS_UP_TO;
    for (let from = 0; from < ordinals.length; from += READ_SLICE) {
      // Big reads are decoded a slice at a time so the event loop never waits long.
      if (from > 0) await this.budget.turn();
      await this.readSlice(ordinals, from, Math.min(ordinals.length, from + READ_SLICE), out, cacheReads);
    }
    return out;
  }

  private async readSlice(ordinals: readonly number[], from: number, to: number, out: RecordedEvent[], cacheReads: boolean): Promise<void> {
    const index = this.index;
    const misses: number[] = [];
    for (let i = from; i < to; i++) {
      const cached = this.cache.get(ordinals[i]!);
      if (cached !== undefined) out[i] = decodeRecord(cached, 0, undefined, false);
      else misses.push(i);
    }
    if (misses.length === 0) return;
    const positionAt = (i: number): number => index.positions[ordinals[i]!]!;
    misses.sort((a, b) => positionAt(a) - positionAt(b));
    let runStart = 0;
    while (runStart < misses.length) {
      // One positional read for a run of nearby records in the same segment.
      const firstPosition = positionAt(misses[runStart]!);
      const segment = segmentOfPosition(firstPosition);
      const start = offsetOfPosition(firstPosition);
      let end = start + index.lengths[ordinals[misses[runStart]!]!]!;
      let runEnd = runStart + 1;
      while (runEnd < misses.length) {
        const position = positionAt(misses[runEnd]!);
        const offset = offsetOfPosition(position);
        const recordEnd = offset + index.lengths[ordinals[misses[runEnd]!]!]!;
        if (segmentOfPosition(position) !== segment || offset - end > READ_GAP_BYTES || recordEnd - start > MAX_READ_BYTES) break;
        end = Math.max(end, recordEnd);
        runEnd++;
      }
      let buffer: Buffer;
      try {
        this.diskReads++;
        buffer = await this.log.read(segment, start, end - start);
      } catch (error) {
        throw this.readFailure(segment, start, error);
      }
      for (let k = runStart; k < runEnd; k++) {
        const i = misses[k]!;
        const ordinal = ordinals[i]!;
        const position = index.positions[ordinal]!;
        const at = offsetOfPosition(position) - start;
        const length = index.lengths[ordinal]!;
        let event: RecordedEvent;
        try {
          event = decodeRecord(buffer, at, length);
        } catch (error) {
          if (error instanceof RecordDecodeError) throw this.corruptAt(segment, offsetOfPosition(position), error.reason);
          throw error;
        }
        if (event.position !== position) throw this.corruptAt(segment, offsetOfPosition(position), `record says position ${event.position}`);
        out[i] = event;
        if (cacheReads) this.cache.set(ordinal, Buffer.from(buffer.subarray(at, at + length)));
      }
      runStart = runEnd;
    }
  }

  private corruptAt(segment: number, offset: number, reason: string): CorruptStoreError {
    return new CorruptStoreError(this.directory, `${this.directory}/${segmentFileName(segment)}`, offset, `${reason} (found while reading)`, 0, 0);
  }

  private readFailure(segment: number, offset: number, error: unknown): Error {
    if (error instanceof Error && error.message === 'segment log is closed') return new StoreClosedError(this.directory);
    // The index says the bytes are there: a file cut short behind our back.
    if (error instanceof Error && error.message.includes('short read')) return this.corruptAt(segment, offset, error.message);
    return error instanceof Error ? error : new Error(String(error));
  }

  // ---------------------------------------------------------------- subscriptions

  subscribeToAll(options: SubscribeAllOptions = {}): Observable<SubscriptionItem> {
    return new Observable<SubscriptionItem>((subscriber) => {
      if (this.closing) {
        subscriber.complete();
        return undefined;
      }
      const afterPosition = options.afterPosition ?? 0;
      const subscription = new AllSubscription(this.host, subscriber, afterPosition, compileFilter(this.index, options.filter));
      this.subscriptions.add(subscription);
      this.allSubscriptions.add(subscription);
      subscription.wake();
      return () => subscription.stop();
    });
  }

  subscribeToStream(stream: string, options: SubscribeStreamOptions = {}): Observable<SubscriptionItem> {
    return new Observable<SubscriptionItem>((subscriber) => {
      if (this.closing) {
        subscriber.complete();
        return undefined;
      }
      const afterRevision = options.afterRevision ?? -1;
      const subscription = new StreamSubscription(this.host, subscriber, stream, afterRevision);
      this.subscriptions.add(subscription);
      let set = this.streamSubscriptions.get(stream);
      if (set === undefined) this.streamSubscriptions.set(stream, (set = new Set()));
      set.add(subscription);
      subscription.wake();
      return () => subscription.stop();
    });
  }

  // ---------------------------------------------------------------- close

  /**
   * Stops accepting calls, lets every append already made become durable (live subscribers get
   * those events), completes all subscriptions, waits for reads in flight, closes the files and
   * releases the lock. Idempotent.
   */
  close(): Promise<void> {
    this.closePromise ??= this.closeNow();
    return this.closePromise;
  }

  private async closeNow(): Promise<void> {
    this.closing = true;
    while (this.appendsInFlight.size > 0) await Promise.allSettled([...this.appendsInFlight]);
    await this.writerIdle;
    for (const subscription of [...this.subscriptions]) subscription.complete();
    while (this.readsInFlight.size > 0) await Promise.allSettled([...this.readsInFlight]);
    this.cache.clear();
    try {
      await this.log.close();
    } finally {
      await this.lock.release();
    }
  }
}

function validateAppend(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('stream must be a non-empty string');
  if (!Array.isArray(events)) throw new TypeError('events must be an array');
  if (
    expected !== 'any' &&
    expected !== 'no_stream' &&
    expected !== 'stream_exists' &&
    !(typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= -1)
  ) {
    throw new TypeError(`invalid expected revision ${String(expected)}`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event?.id !== 'string' || event.id.length === 0) throw new TypeError(`every event needs a non-empty string id (in ${stream})`);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError(`event ${event.id} needs a non-empty string type`);
    if (ids.has(event.id)) throw new DuplicateEventIdError(stream, event.id, 'appears twice in the same append');
    ids.add(event.id);
  }
}

function expectedMatches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}

function checkCount(maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.POSITIVE_INFINITY;
  if (maxCount === Number.POSITIVE_INFINITY) return maxCount;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError('maxCount must be a non-negative integer');
  return maxCount;
}

/** Consecutive same-segment records become one chunk; records are in queue (= position) order. */
function toChunks(batches: readonly CommitBatch[]): WriteChunk[] {
  const chunks: { segment: number; offset: number; parts: Buffer[] }[] = [];
  let current: { segment: number; offset: number; parts: Buffer[] } | undefined;
  for (const batch of batches) {
    for (const r of batch.records) {
      if (current === undefined || current.segment !== r.segment) {
        current = { segment: r.segment, offset: r.offset, parts: [] };
        chunks.push(current);
      }
      current.parts.push(r.bytes);
    }
  }
  return chunks;
}

function track<T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  set.add(promise);
  const remove = (): void => {
    set.delete(promise);
  };
  promise.then(remove, remove);
  return promise;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function noop(): void {}


