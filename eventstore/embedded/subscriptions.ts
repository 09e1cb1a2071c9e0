import type { Subscriber } from 'rxjs';
import type { AllFilter, RecordedEvent, SubscriptionItem } from '../eventStore.js';
import type { EventIndex } from './eventIndex.js';

/*
 * Catch-up then live, without gaps or duplicates, with one mechanism.
 *
 * A subscription is a pump: it reads durable events from its checkpoint page by page and emits them,
 * until it has delivered everything up to the durable end of the log; the first time it gets there it
 * emits 'caughtUp' and goes idle. Every commit wakes the subscriptions it concerns, and a woken pump
 * reads on from where it stopped. The pump keeps the next ordinal (or revision) it owes and only ever
 * moves it forwards, reading only durable events, so nothing is skipped and nothing is delivered
 * twice, whether an event arrives during the catch-up or after it. Live events are read from the
 * store's cache of just-committed records (or from disk when a subscriber has fallen far behind), and
 * pages are paced by a loop budget shared by all subscriptions of the store, so a burst of commits
 * with many subscribers never blocks the event loop for long.
 *
 * The 'caughtUp' position is a checkpoint in $all: the position of the last durable event when the
 * catch-up ended (or afterPosition, if that is further). Every matching event at or before it has been
 * delivered and every later one will be, so subscribing again with afterPosition = that position
 * resumes exactly. Stream subscriptions report the same $all position.
 */

/** What subscriptions need from the store. */
export interface SubscriptionHost {
  readonly index: EventIndex;
  readOrdinals(ordinals: readonly number[]): Promise<RecordedEvent[]>;
  /** Resolves when the subscription may use the event loop for another page (see loopBudget.ts). */
  turn(): Promise<void>;
  forget(subscription: Subscription): void;
}

const PAGE = 1000;
/** Ordinals a filter may skip before the catch-up lets the event loop breathe. */
const SCAN_SLICE = 200_000;

export type OrdinalFilter = (ordinal: number) => boolean;

/**
 * Compiles an $all filter into a predicate over ordinals that needs no I/O (stream and type numbers
 * are in the index). Undefined means "everything". An empty list counts as no constraint.
 */
export function compileFilter(index: EventIndex, filter: AllFilter | undefined): OrdinalFilter | undefined {
  const prefixes = filter?.streamPrefixes !== undefined && filter.streamPrefixes.length > 0 ? [...filter.streamPrefixes] : undefined;
  const types = filter?.eventTypes !== undefined && filter.eventTypes.length > 0 ? new Set(filter.eventTypes) : undefined;
  if (prefixes === undefined && types === undefined) return undefined;
  const streamVerdicts: (boolean | undefined)[] = [];
  const typeVerdicts: (boolean | undefined)[] = [];
  return (ordinal) => {
    if (prefixes !== undefined) {
      const s = index.streamOf[ordinal]!;
      let verdict = streamVerdicts[s];
      if (verdict === undefined) {
        const name = index.streams[s]!.name;
        verdict = prefixes.some((p) => name.startsWith(p));
        streamVerdicts[s] = verdict;
      }
      if (!verdict) return false;
    }
    if (types !== undefined) {
      const t = index.typeOf[ordinal]!;
      let verdict = typeVerdicts[t];
      if (verdict === undefined) {
        verdict = types.has(index.typeNames[t]!);
        typeVerdicts[t] = verdict;
      }
      if (!verdict) return false;
    }
    return true;
  };
}

export abstract class Subscription {
  protected stopped = false;
  private pumping = false;
  private caughtUpSent = false;

  constructor(
    protected readonly host: SubscriptionHost,
    protected readonly subscriber: Subscriber<SubscriptionItem>,
  ) {}

  /** Starts the catch-up, or resumes it after a commit; a no-op while the pump is running. */
  wake(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    this.pump().catch((error: unknown) => {
      this.pumping = false;
      if (this.stopped) return;
      this.stopped = true;
      this.host.forget(this);
      this.subscriber.error(error);
    });
  }

  /** Unsubscribed by the consumer. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.forget(this);
  }

  /** The store closed. */
  complete(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.forget(this);
    this.subscriber.complete();
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      if (!this.behind()) {
        if (!this.caughtUpSent) {
          this.caughtUpSent = true;
          this.subscriber.next({ kind: 'caughtUp', position: this.caughtUpPosition() });
        }
        // Synchronously with the check above: a commit after this point wakes us again.
        this.pumping = false;
        return;
      }
      await this.host.turn();
      if (!this.stopped) await this.deliverPage();
    }
    this.pumping = false;
  }

  protected emitAll(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (this.stopped) return;
      this.subscriber.next({ kind: 'event', event });
    }
  }

  /** Whether durable events remain that this subscription has not delivered (or skipped). */
  protected abstract behind(): boolean;
  /** Delivers (or skips, when filtered out) the next durable events. */
  protected abstract deliverPage(): Promise<void>;
  protected abstract caughtUpPosition(): number;
}

export class AllSubscription extends Subscription {
  private nextOrdinal: number;

  constructor(
    host: SubscriptionHost,
    subscriber: Subscriber<SubscriptionItem>,
    private readonly afterPosition: number,
    private readonly filter: OrdinalFilter | undefined,
  ) {
    super(host, subscriber);
    this.nextOrdinal = host.index.firstOrdinalAfter(afterPosition);
  }

  protected behind(): boolean {
    return this.nextOrdinal < this.host.index.durableCount;
  }

  protected caughtUpPosition(): number {
    return Math.max(this.afterPosition, this.host.index.headPosition());
  }

  protected async deliverPage(): Promise<void> {
    const head = this.host.index.durableCount;
    const ordinals: number[] = [];
    const scanEnd = Math.min(head, this.nextOrdinal + SCAN_SLICE);
    let o = this.nextOrdinal;
    for (; o < scanEnd && ordinals.length < PAGE; o++) {
      if (this.filter === undefined || this.filter(o)) ordinals.push(o);
    }
    if (ordinals.length > 0) this.emitAll(await this.host.readOrdinals(ordinals));
    if (o > this.nextOrdinal) this.nextOrdinal = o;
  }
}

export class StreamSubscription extends Subscription {
  private nextRevision: number;

  constructor(
    host: SubscriptionHost,
    subscriber: Subscriber<SubscriptionItem>,
    readonly stream: string,
    afterRevision: number,
  ) {
    super(host, subscriber);
    this.nextRevision = afterRevision + 1;
  }

  protected behind(): boolean {
    return this.nextRevision < (this.host.index.stream(this.stream)?.durableLength ?? 0);
  }

  protected caughtUpPosition(): number {
    return this.host.index.headPosition();
  }

  protected async deliverPage(): Promise<void> {
    const entry = this.host.index.stream(this.stream);
    if (entry === undefined) return;
    const end = Math.min(entry.durableLength, this.nextRevision + PAGE);
    const ordinals = entry.ordinals.slice(this.nextRevision, end);
    const events = await this.host.readOrdinals(ordinals);
    this.emitAll(events);
    if (end > this.nextRevision) this.nextRevision = end;
  }
}
