import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { Observable, type Subscriber } from 'rxjs';
import {
  WrongExpectedVersionError,
  type AllFilter,
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

/*
 * The EventStore port over EventStoreDB / KurrentDB, through @eventstore/db-client (gRPC).
 *
 * Needs a server that sends caught_up on subscriptions (EventStoreDB 23.10 or later, any KurrentDB)
 * and event positions on stream reads (22.6 or later).
 *
 * Mapping:
 * - expected revisions: 'any' / 'no_stream' / 'stream_exists' / n ↔ ANY / NO_STREAM / STREAM_EXISTS /
 *   BigInt(n) (and -1 ↔ NO_STREAM); the client's WrongExpectedVersionError becomes the port's, with
 *   actual -1 for "no stream";
 * - positions: the port's position is the commit position. EventStoreDB writes each event of an append
 *   as a self-committing prepare, so commit = prepare for every event and positions strictly increase;
 *   a port position p is sent back as { commit: p, prepare: p }. Beyond 2^53 (9 PB of log) precision
 *   would be lost;
 * - events are JSON (application/json): data and metadata round-trip as JSON; recordedAt is the
 *   server's created time; events written by others as binary are returned with data parsed as JSON
 *   when it is JSON and as bytes otherwise;
 * - system streams and events (names and types starting with '$') are never returned by readAll,
 *   subscribeToAll or listStreams.
 *
 * Where EventStoreDB differs from the port, and how the adapter bridges it:
 * - an idempotent retry is answered by EventStoreDB without a position: the adapter reads the
 *   position of the retried batch's last event;
 * - $all reads and subscriptions only start at a record boundary (any other position is refused as
 *   invalid), while the port accepts any number. The adapter tries the position as given; when the
 *   server refuses it, it starts at the last event at or before it (found by reading $all backwards
 *   from the end) and drops what is out of range, which costs a scan of the events after it;
 * - $all reads forwards include the start position, backwards they exclude it, while the port
 *   includes it both ways: a backwards read first reads the event at the position itself;
 * - this client version filters $all reads only on the client (its readAll has no server-side
 *   filter), so a filtered readAll pages through $all from its start position; subscriptions are
 *   filtered by the server (stream prefixes, else event-type prefixes, else "no system events"), the
 *   rest of the filter is applied here;
 * - the caughtUp marker comes from the server; its position is the position of the last event the
 *   subscription saw (or afterPosition), not the head of $all as in the embedded store; either is a
 *   valid checkpoint for resuming;
 * - listStreams reads $all forwards from where the previous call stopped (names are kept in memory).
 */

export interface EsdbEventStoreOptions {
  /** Events per request when paging through $all. Default 1000. */
  readonly pageSize?: number;
}

const DEFAULT_PAGE_SIZE = 1000;

export class EsdbStoreClosedError extends Error {
  constructor() {
    super('the EventStoreDB adapter is closed');
    this.name = 'EsdbStoreClosedError';
  }
}

type RawEvent = EsdbRecordedEvent;

/** What the adapter uses of the client's subscriptions (Readable streams of ResolvedEvent). */
interface ClientSubscription {
  on(event: 'data', listener: (resolved: ResolvedEvent) => void): unknown;
  on(event: 'caughtUp' | 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  readonly readableLength: number;
  unsubscribe(): Promise<void>;
}

export class EsdbEventStore implements EventStore {
  private closed = false;
  private closePromise: Promise<void> | undefined;
  private readonly pageSize: number;
  private readonly liveSubscriptions = new Set<() => void>();

  // listStreams state: names in order of first appearance, and how far $all has been scanned.
  private readonly streamNames: string[] = [];
  private readonly seenStreams = new Set<string>();
  private scannedTo: Position | undefined;
  private scanTail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** `esdb://host:port?tls=false`, or any connection string the client accepts. */
  static connect(connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  // ---------------------------------------------------------------- append

  async append(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision = 'any'): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) return this.emptyAppend(stream, expected);
    const data = events.map((e) =>
      jsonEvent({
        id: e.id,
        type: e.type,
        data: (e.data === undefined ? null : e.data) as JSONType,
        ...(e.metadata === undefined ? {} : { metadata: e.metadata as JSONType }),
      }),
    );
    let result;
    try {
      result = await this.client.appendToStream(stream, data, { expectedRevision: toEsdbExpected(expected) });
    } catch (error) {
      throw mapAppendError(error, stream, expected);
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    if (result.position !== undefined) return { nextExpectedRevision, position: Number(result.position.commit) };
    // An idempotent retry: EventStoreDB does not say where the original events are.
    const [last] = await this.readStream(stream, { fromRevision: nextExpectedRevision, maxCount: 1 });
    return { nextExpectedRevision, position: last?.position ?? -1 };
  }

  /** Nothing to write: check the expected revision against the stream's end and report it. */
  private async emptyAppend(stream: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const actual = last?.revision ?? -1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === -1) ||
      (expected === 'stream_exists' && actual >= 0) ||
      (typeof expected === 'number' && expected === actual);
    if (!ok) throw new WrongExpectedVersionError(stream, expected, actual);
    return { nextExpectedRevision: actual, position: last?.position ?? -1 };
  }

  // ---------------------------------------------------------------- reads

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    const maxCount = options.maxCount;
    if (maxCount === 0) return [];
    const read = this.client.readStream(stream, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: options.fromRevision === undefined ? (forwards ? START : END) : BigInt(options.fromRevision),
      ...(maxCount === undefined || maxCount === Number.POSITIVE_INFINITY ? {} : { maxCount }),
    });
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        if (resolved.event !== undefined) out.push(toRecorded(resolved.event));
      }
    } catch (error) {
      if (errorType(error) === ErrorType.STREAM_NOT_FOUND) return [];
      throw error;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (limit === 0) return [];
    const out: RecordedEvent[] = [];
    const wanted = (e: RawEvent): boolean => !isSystem(e) && matches(e, options.filter);
    const p = options.fromPosition;
    if ((options.direction ?? 'forwards') === 'forwards') {
      const start = p === undefined || p <= 0 ? START : await this.startAtOrBefore(p);
      for await (const e of this.scanAll('forwards', start)) {
        if (p !== undefined && commitOf(e) < p) continue;
        if (wanted(e)) out.push(toRecorded(e));
        if (out.length >= limit) break;
      }
      return out;
    }
    let start: ReadPosition = END;
    if (p !== undefined) {
      const at = await this.backwardsStart(p);
      if (at.first !== undefined && wanted(at.first)) out.push(toRecorded(at.first));
      if (at.start === undefined || out.length >= limit) return out;
      start = at.start;
    }
    for await (const e of this.scanAll('backwards', start)) {
      if (p !== undefined && commitOf(e) >= p) continue;
      if (wanted(e)) out.push(toRecorded(e));
      if (out.length >= limit) break;
    }
    return out;
  }

  async listStreams(): Promise<string[]> {
    this.assertOpen();
    const run = this.scanTail.then(() => this.scanNewStreams());
    this.scanTail = run.catch(() => undefined);
    await run;
    return [...this.streamNames];
  }

  private async scanNewStreams(): Promise<void> {
    for await (const e of this.scanAll('forwards', this.scannedTo ?? START)) {
      this.scannedTo = e.position;
      if (isSystem(e) || this.seenStreams.has(e.streamId)) continue;
      this.seenStreams.add(e.streamId);
      this.streamNames.push(e.streamId);
    }
  }

  /**
   * $all page by page from `from` (inclusive forwards, exclusive backwards, as EventStoreDB reads),
   * every event once, system events included.
   */
  private async *scanAll(direction: 'forwards' | 'backwards', from: ReadPosition): AsyncGenerator<RawEvent> {
    let position = from;
    let last: Position | undefined;
    const forwards = direction === 'forwards';
    for (;;) {
      const page = await this.readAllPage(direction, position, this.pageSize);
      for (const e of page) {
        // Forwards, the page starts with the event at `position` again.
        if (last !== undefined && (forwards ? comparePositions(e.position!, last) <= 0 : comparePositions(e.position!, last) >= 0)) continue;
        last = e.position!;
        yield e;
      }
      if (page.length < this.pageSize || last === undefined) return;
      position = last;
    }
  }

  private async readAllPage(direction: 'forwards' | 'backwards', from: ReadPosition, maxCount: number): Promise<RawEvent[]> {
    const read = this.client.readAll({ direction: direction === 'forwards' ? FORWARDS : BACKWARDS, fromPosition: from, maxCount });
    const out: RawEvent[] = [];
    for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
      if (resolved.event !== undefined) out.push(resolved.event as RawEvent);
    }
    return out;
  }

  /**
   * Where a forward read or a subscription may start so as to see every event at or after port
   * position p: p itself when the server accepts it, else the last event at or before it.
   */
  private async startAtOrBefore(p: number): Promise<ReadPosition> {
    try {
      await this.readAllPage('forwards', at(p), 1);
      return at(p);
    } catch (error) {
      if (!isRefusedPosition(error)) throw error;
    }
    return (await this.lastEventAtOrBefore(p))?.position ?? START;
  }

  /** For a backwards read from p (inclusive): the event at p, if any, and where to read on backwards from. */
  private async backwardsStart(p: number): Promise<{ first: RawEvent | undefined; start: Position | undefined }> {
    if (p < 0) return { first: undefined, start: undefined };
    try {
      const [next] = await this.readAllPage('forwards', at(p), 1);
      return { first: next !== undefined && commitOf(next) === p ? next : undefined, start: at(p) };
    } catch (error) {
      if (!isRefusedPosition(error)) throw error;
    }
    const floor = await this.lastEventAtOrBefore(p);
    return floor === undefined ? { first: undefined, start: undefined } : { first: floor, start: floor.position! };
  }

  private async lastEventAtOrBefore(p: number): Promise<RawEvent | undefined> {
    for await (const e of this.scanAll('backwards', END)) {
      if (commitOf(e) <= p) return e;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- subscriptions

  subscribeToAll(options: SubscribeAllOptions = {}): Observable<SubscriptionItem> {
    const after = options.afterPosition;
    const portFilter = options.filter;
    return this.relay(
      async () => {
        const from = after === undefined ? START : await this.startAtOrBefore(after);
        return this.client.subscribeToAll({ fromPosition: from, filter: serverFilter(portFilter) });
      },
      (e) => (after !== undefined && commitOf(e) <= after) || isSystem(e) || !matches(e, portFilter),
      (e) => after === undefined || commitOf(e) > after,
      after ?? 0,
    );
  }

  subscribeToStream(stream: string, options: SubscribeStreamOptions = {}): Observable<SubscriptionItem> {
    const after = options.afterRevision;
    return this.relay(
      () => Promise.resolve(this.client.subscribeToStream(stream, { fromRevision: after === undefined || after < 0 ? START : BigInt(after) })),
      () => false,
      () => true,
      0,
    );
  }

  /**
   * Relays a client subscription as port items. The client emits 'caughtUp' as soon as it decodes
   * the message, possibly while events decoded before it still wait in its buffer: the marker is
   * held back until those have been delivered.
   */
  private relay(
    open: () => Promise<ClientSubscription>,
    skip: (e: RawEvent) => boolean,
    counts: (e: RawEvent) => boolean,
    initialPosition: number,
  ): Observable<SubscriptionItem> {
    return new Observable<SubscriptionItem>((subscriber: Subscriber<SubscriptionItem>) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      let stopped = false;
      let source: ClientSubscription | undefined;
      const stop = (): void => {
        if (stopped) return;
        stopped = true;
        this.liveSubscriptions.delete(complete);
        if (source !== undefined) void source.unsubscribe().catch(() => undefined);
      };
      const complete = (): void => {
        stop();
        subscriber.complete();
      };
      this.liveSubscriptions.add(complete);

      let lastSeen = initialPosition;
      let caughtUpSent = false;
      /** Events still to be delivered before the caughtUp marker; undefined while no marker waits. */
      let beforeMarker: number | undefined;
      const markIfDue = (): void => {
        if (beforeMarker !== undefined && beforeMarker <= 0 && !caughtUpSent) {
          caughtUpSent = true;
          beforeMarker = undefined;
          subscriber.next({ kind: 'caughtUp', position: lastSeen });
        }
      };
      open()
        .then((s) => {
          source = s;
          if (stopped) {
            void s.unsubscribe().catch(() => undefined);
            return;
          }
          s.on('data', (resolved: ResolvedEvent) => {
            if (stopped) return;
            const e = resolved.event as RawEvent | undefined;
            if (e !== undefined) {
              if (e.position !== undefined && counts(e)) lastSeen = Math.max(lastSeen, commitOf(e));
              if (!skip(e)) subscriber.next({ kind: 'event', event: toRecorded(e) });
            }
            if (beforeMarker !== undefined) {
              beforeMarker--;
              markIfDue();
            }
          });
          s.on('caughtUp', () => {
            if (stopped || caughtUpSent || beforeMarker !== undefined) return;
            beforeMarker = s.readableLength;
            markIfDue();
          });
          s.on('error', (error: unknown) => {
            if (stopped) return;
            stop();
            subscriber.error(error);
          });
          s.on('end', () => {
            if (!stopped) complete();
          });
        })
        .catch((error: unknown) => {
          if (stopped) return;
          stop();
          subscriber.error(error);
        });
      return stop;
    });
  }

  // ---------------------------------------------------------------- close

  /** Completes the subscriptions and closes the connection. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closed = true;
      for (const complete of [...this.liveSubscriptions]) complete();
      await this.client.dispose();
    })();
    return this.closePromise;
  }

  private assertOpen(): void {
    if (this.closed) throw new EsdbStoreClosedError();
  }
}

// ------------------------------------------------------------------ helpers

function at(p: number): Position {
  const value = BigInt(Math.trunc(p));
  return { commit: value, prepare: value };
}

function commitOf(e: RawEvent): number {
  return e.position === undefined ? -1 : Number(e.position.commit);
}

function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function isSystem(e: RawEvent): boolean {
  return e.streamId.startsWith('$') || e.type.startsWith('$');
}

function matches(e: RawEvent, filter: AllFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.streamPrefixes !== undefined && filter.streamPrefixes.length > 0 && !filter.streamPrefixes.some((p) => e.streamId.startsWith(p))) {
    return false;
  }
  if (filter.eventTypes !== undefined && filter.eventTypes.length > 0 && !filter.eventTypes.includes(e.type)) return false;
  return true;
}

/** The part of the filter the server applies; `matches` applies the whole filter again. */
function serverFilter(filter: AllFilter | undefined): Filter {
  if (filter?.streamPrefixes !== undefined && filter.streamPrefixes.length > 0) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.eventTypes !== undefined && filter.eventTypes.length > 0) return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  return excludeSystemEvents();
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < -1) throw new TypeError(`invalid expected revision ${String(expected)}`);
      return expected === -1 ? NO_STREAM : BigInt(expected);
  }
}

function errorType(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'type' in error ? String((error as { type: unknown }).type) : undefined;
}

function mapAppendError(error: unknown, stream: string, expected: ExpectedRevision): unknown {
  if (errorType(error) !== ErrorType.WRONG_EXPECTED_VERSION) return error;
  const actual = (error as { actualVersion?: bigint | string }).actualVersion;
  return new WrongExpectedVersionError(stream, expected, typeof actual === 'bigint' ? Number(actual) : -1);
}

/** Errors that say "this position cannot be read from", as opposed to connection or permission trouble. */
function isRefusedPosition(error: unknown): boolean {
  const type = errorType(error);
  return (
    type !== undefined &&
    ![
      ErrorType.UNAVAILABLE,
      ErrorType.CANCELLED,
      ErrorType.DEADLINE_EXCEEDED,
      ErrorType.TIMEOUT,
      ErrorType.ACCESS_DENIED,
      ErrorType.NOT_LEADER,
    ].includes(type as ErrorType)
  );
}

function toRecorded(e: RawEvent): RecordedEvent {
  return {
    id: e.id,
    stream: e.streamId,
    revision: Number(e.revision),
    position: commitOf(e),
    type: e.type,
    data: e.isJson ? e.data : maybeJson(e.data as Uint8Array),
    metadata: toMetadata(e.metadata),
    recordedAt: e.created.getTime(),
  };
}

function maybeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return bytes;
  }
}

function toMetadata(metadata: unknown): Record<string, unknown> {
  if (metadata instanceof Uint8Array) {
    const parsed = maybeJson(metadata);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && !(parsed instanceof Uint8Array) ? (parsed as Record<string, unknown>) : {};
  }
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
}
