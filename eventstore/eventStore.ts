import type { Observable } from 'rxjs';

/**
 * The event store port. Every store (the embedded one on local disk, the EventStoreDB
 * adapter) implements it and passes the same contract suite in test/eventstore.
 */

/** What a writer hands to append: type and data already validated against the catalogue. */
export interface EventToAppend {
  /** A UUID; appending the same id twice to a stream stores it once (idempotent retries). */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Record<string, unknown>;
}

/** An event as stored. */
export interface RecordedEvent {
  readonly id: string;
  readonly stream: string;
  /** 0-based position of the event within its stream. */
  readonly revision: number;
  /** Position in the global log ($all); strictly increasing, not necessarily contiguous. */
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  /** When the store accepted it, ms since the epoch. */
  readonly recordedAt: number;
}

/**
 * Expected revision of the stream before the append:
 * - 'any': no check;
 * - 'no_stream': the stream must not exist yet;
 * - 'stream_exists': the stream must have at least one event;
 * - a number: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: number;
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`wrong expected version on ${stream}: expected ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Start revision (inclusive); default the start (forwards) or end (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface AllFilter {
  /** Keep events whose stream name starts with one of these prefixes. */
  readonly streamPrefixes?: readonly string[];
  /** Keep events whose type is one of these. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Start position: forwards, events with position >= fromPosition; backwards, <= fromPosition. */
  readonly fromPosition?: number;
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface SubscribeAllOptions {
  /** Deliver events with position > afterPosition (a checkpoint); default from the start. */
  readonly afterPosition?: number;
  readonly filter?: AllFilter;
}

export interface SubscribeStreamOptions {
  /** Deliver events with revision > afterRevision; default from the start. */
  readonly afterRevision?: number;
}

/** Emitted by subscriptions: events, and a marker once the catch-up reached the live end. */
export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'caughtUp'; readonly position: number };

export interface EventStore {
  append(stream: string, events: readonly EventToAppend[], expected?: ExpectedRevision): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch up from the position, then follow live; completes when the store closes. */
  subscribeToAll(options?: SubscribeAllOptions): Observable<SubscriptionItem>;
  subscribeToStream(stream: string, options?: SubscribeStreamOptions): Observable<SubscriptionItem>;
  /** Names of all streams, in order of first appearance. */
  listStreams(): Promise<string[]>;
  close(): Promise<void>;
}
