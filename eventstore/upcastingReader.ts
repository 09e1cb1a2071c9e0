import { Observable } from 'rxjs';
import { upcastEvent, upcasters, type SkipReason, type UpcasterRegistry } from '../domain/events/upcasters.js';
import type { EventStore, ReadAllOptions, RecordedEvent, SubscribeAllOptions, SubscriptionItem } from './eventStore.js';

/**
 * The read side the folds use (admin views, log files, `streamhouse events`, `logs
 * rebuild`): the store's $all with every event upcast to the current schema version and
 * valid against the current schema (domain/events/upcasters.ts). The stores themselves
 * stay raw, so the contract suite, the outbox and the gRPC endpoint see events exactly as
 * stored, and so do writers that need revisions (a skipped event would shift them).
 *
 * An event that cannot be read (from a newer build, or invalid) is left out, never thrown:
 * a projection goes on without it. It is reported once per reader (by position, however
 * many folds and replays meet it) to onSkip, and counted in `skipped`. A readAll with a
 * maxCount can therefore return fewer events than asked for.
 */
export interface SkippedEvent {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly reason: SkipReason;
  readonly message: string;
}

/** Events in the current schema version only: what a fold may be given. */
export interface CurrentEventSource {
  /** The schema version of every event this source gives. */
  readonly schemaVersion: number;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeAllOptions): Observable<SubscriptionItem>;
}

export interface UpcastingReaderOptions {
  /** Default: this build's upcasters. */
  readonly registry?: UpcasterRegistry;
  /** Hears each unreadable event once, with how many have been skipped so far (this one included). */
  readonly onSkip?: (skipped: SkippedEvent, count: number) => void;
}

export class UpcastingReader implements CurrentEventSource {
  private readonly registry: UpcasterRegistry;
  private readonly skippedPositions = new Set<number>();

  constructor(
    private readonly store: Pick<EventStore, 'readAll' | 'subscribeToAll'>,
    private readonly options: UpcastingReaderOptions = {},
  ) {
    this.registry = options.registry ?? upcasters;
  }

  get schemaVersion(): number {
    return this.registry.currentVersion;
  }

  /** Distinct events left out so far. */
  get skipped(): number {
    return this.skippedPositions.size;
  }

  /** The event in the current shape, or undefined (reported) when it cannot be read. */
  upcastRecordedEvent(event: RecordedEvent): RecordedEvent | undefined {
    const result = upcastEvent(event, this.registry);
    if (result.ok) return result.event;
    if (!this.skippedPositions.has(event.position)) {
      this.skippedPositions.add(event.position);
      this.options.onSkip?.(
        { position: event.position, stream: event.stream, revision: event.revision, type: event.type, reason: result.reason, message: result.message },
        this.skippedPositions.size,
      );
    }
    return undefined;
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const event of await this.store.readAll(options)) {
      const current = this.upcastRecordedEvent(event);
      if (current) events.push(current);
    }
    return events;
  }

  subscribeToAll(options?: SubscribeAllOptions): Observable<SubscriptionItem> {
    const source = this.store.subscribeToAll(options);
    return new Observable<SubscriptionItem>((subscriber) =>
      source.subscribe({
        next: (item) => {
          if (item.kind !== 'event') {
            subscriber.next(item);
            return;
          }
          const event = this.upcastRecordedEvent(item.event);
          if (event) subscriber.next(event === item.event ? item : { kind: 'event', event });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  }
}

/** A one-line warning for a skipped event. */
export function describeSkippedEvent(skipped: SkippedEvent): string {
  return `event at position ${skipped.position} (${skipped.type}, ${skipped.stream} revision ${skipped.revision}) skipped: ${skipped.message}`;
}
