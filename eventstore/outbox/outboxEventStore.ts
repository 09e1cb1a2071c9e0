import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeAllOptions,
  SubscribeStreamOptions,
  SubscriptionItem,
} from '../eventStore.js';

/*
 * An EventStore that keeps every event on local disk first and forwards it to a remote store
 * (EventStoreDB through the adapter): appends are acknowledged once the local store has them, so the
 * server keeps working while the remote is down, and the remote receives every event once, in order.
 *
 * The local log is the outbox. A single forwarder reads the local $all after its checkpoint (the local
 * position of the last event known to be on the remote), cuts it into runs of consecutive events of
 * one stream, and appends each run to the remote in $all order, one at a time; when the remote is down
 * it retries with exponential backoff. The checkpoint and the count of forwarded events are kept in a
 * small JSON file (written after each page, and on close; not synced: losing its last update only
 * means re-sending events the remote already has, which it recognises).
 *
 * Expected revisions across the two stores:
 * - the caller's expected revision is checked against the LOCAL store only: that is what the
 *   acknowledgement means. StreamWriter's single-writer-per-stream rule is enforced locally;
 * - each run is forwarded with the exact revision it has locally (expected = its first local revision
 *   - 1, or no_stream for revision 0), never with 'any'. So a remote stream is a copy of the local one,
 *   revision for revision, and a re-sent run (after a timeout, a crash before the checkpoint was saved)
 *   is an idempotent retry for the remote: same event ids at the same expected revision;
 * - when the remote refuses a run (wrong expected version, or ids it already has in another layout,
 *   as when a restart cut the runs differently), the forwarder reads the remote stream from the run's
 *   first revision: events already there with the same ids and revisions are skipped and the rest is
 *   sent; anything else means the remote stream has events this node did not write (another writer
 *   in the fleet, or a remote that was reset). That is a conflict the outbox cannot settle: it stops
 *   forwarding (nothing is overwritten or skipped), reports it in status.lastError and retries at the
 *   longest backoff, so an operator can repair the remote. Streams must therefore have a single
 *   writer fleet-wide (each server writes its own streams), which is how Streamhouse names them;
 * - reads and subscriptions are served by the local store: they see this node's events at once, and
 *   not other nodes' events (read the shared remote directly for the fleet-wide view). Positions and
 *   revisions returned are local ones; revisions equal the remote's, positions do not.
 *
 * Status (status$ / status): remote is 'connected' when the last contact succeeded and nothing is
 * pending, 'catching-up' when it succeeded and events are still pending (or a run was refused), and
 * 'unreachable' when it failed (and before the first contact); since is when it entered that state;
 * pending is the number of local events not yet on the remote; lastError the last failure, cleared by
 * the next success.
 */

export type RemoteState = 'connected' | 'unreachable' | 'catching-up';

export interface OutboxStatus {
  readonly remote: RemoteState;
  /** Local events not yet forwarded to the remote. */
  readonly pending: number;
  /** The last forwarding failure (undefined after a success). */
  readonly lastError: string | undefined;
  /** When `remote` last changed (ms since the epoch; the open, for the first state). */
  readonly since: number;
}

/** The local store: any EventStore that can count its events (the embedded store's stats). */
export type LocalEventStore = EventStore & { readonly stats: { readonly events: number } };

export interface OutboxOptions {
  /** Where the forwarding checkpoint is kept; without it, forwarding starts over on every open (safe, slower). */
  readonly checkpointFile?: string;
  /** First retry delay after a failure, doubled on each further failure. Default 200 ms. */
  readonly initialRetryDelayMs?: number;
  /** Longest retry delay. Default 5 s. */
  readonly maxRetryDelayMs?: number;
  /** Local events read per page when forwarding; also the longest run sent in one append. Default 500. */
  readonly pageSize?: number;
  /**
   * A run is cut before it grows past about this many bytes of JSON (EventStoreDB refuses appends
   * over its MaxAppendSize, 1 MiB by default). Default 512 KiB; a larger single event is sent alone.
   */
  readonly maxRunBytes?: number;
  /** While nothing is pending, check the remote this often (ms); 0 disables. Default 10 s. */
  readonly healthCheckMs?: number;
  /** A remote call not answered within this long counts as failed (and is retried). Default 30 s. */
  readonly remoteTimeoutMs?: number;
}

interface Checkpoint {
  /** Local position of the last forwarded event. */
  readonly position: number;
  /** Local events up to and including it. */
  readonly forwarded: number;
}

const HEALTH_STREAM = 'streamhouse-outbox-health';

export class OutboxEventStore implements EventStore {
  readonly status$: BehaviorSubject<OutboxStatus>;

  private checkpoint: Checkpoint | undefined;
  private savedCheckpoint: Checkpoint | undefined;
  private remoteState: RemoteState = 'unreachable';
  private lastError: string | undefined;
  private stopping = false;
  private closePromise: Promise<void> | undefined;
  private forwarder: Promise<void> = Promise.resolve();
  private wakeForwarder: (() => void) | undefined;
  private stopSleep: (() => void) | undefined;
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly pageSize: number;
  private readonly healthCheckMs: number;
  private readonly remoteTimeoutMs: number;
  private readonly maxRunBytes: number;
  /** Settles when close() begins, to cut remote calls short. */
  private readonly stopped: Promise<void>;
  private readonly stopSignal: () => void;

  /** Use openOutboxEventStore. */
  constructor(
    readonly local: LocalEventStore,
    readonly remote: EventStore,
    checkpoint: Checkpoint | undefined,
    private readonly options: OutboxOptions = {},
  ) {
    this.checkpoint = checkpoint;
    this.savedCheckpoint = checkpoint;
    this.initialDelay = options.initialRetryDelayMs ?? 200;
    this.maxDelay = Math.max(this.initialDelay, options.maxRetryDelayMs ?? 5_000);
    this.pageSize = options.pageSize ?? 500;
    this.healthCheckMs = options.healthCheckMs ?? 10_000;
    this.remoteTimeoutMs = options.remoteTimeoutMs ?? 30_000;
    this.maxRunBytes = options.maxRunBytes ?? 512 * 1024;
    let signal: () => void = () => undefined;
    this.stopped = new Promise<void>((resolve) => (signal = resolve));
    this.stopSignal = signal;
    this.status$ = new BehaviorSubject<OutboxStatus>({ remote: this.remoteState, pending: this.pendingCount(), lastError: this.lastError, since: Date.now() });
  }

  get status(): OutboxStatus {
    return this.status$.value;
  }

  /** Starts the forwarder; done by openOutboxEventStore. */
  start(): void {
    this.forwarder = this.forwardLoop();
  }

  /** Resolves once nothing is pending and the remote took the last event (or rejects after timeoutMs). */
  whenDrained(timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(new Error(`outbox not drained after ${timeoutMs} ms: ${JSON.stringify(this.status)}`));
      }, timeoutMs);
      const subscription = this.status$.subscribe({
        next: (s) => {
          if (s.pending === 0 && s.remote === 'connected') {
            clearTimeout(timer);
            queueMicrotask(() => subscription.unsubscribe());
            resolve();
          }
        },
        complete: () => {
          clearTimeout(timer);
          reject(new Error('the outbox closed before it was drained'));
        },
      });
    });
  }

  // ---------------------------------------------------------------- EventStore

  async append(stream: string, events: readonly EventToAppend[], expected?: ExpectedRevision): Promise<AppendResult> {
    const result = await this.local.append(stream, events, expected);
    this.publish();
    this.wakeForwarder?.();
    return result;
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.local.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.local.readAll(options);
  }

  subscribeToAll(options?: SubscribeAllOptions): Observable<SubscriptionItem> {
    return this.local.subscribeToAll(options);
  }

  subscribeToStream(stream: string, options?: SubscribeStreamOptions): Observable<SubscriptionItem> {
    return this.local.subscribeToStream(stream, options);
  }

  listStreams(): Promise<string[]> {
    return this.local.listStreams();
  }

  /**
   * Stops forwarding (what is pending stays in the local log and is sent after the next open), saves
   * the checkpoint, closes both stores. Idempotent.
   */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.stopping = true;
      this.stopSignal();
      this.wakeForwarder?.();
      this.stopSleep?.();
      await this.forwarder;
      await this.saveCheckpoint();
      this.status$.complete();
      await Promise.allSettled([this.remote.close()]);
      await this.local.close();
    })();
    return this.closePromise;
  }

  // ---------------------------------------------------------------- forwarding

  private async forwardLoop(): Promise<void> {
    let delay = this.initialDelay;
    let healthDue = false;
    while (!this.stopping) {
      let ok: boolean;
      let more = false;
      try {
        const after = this.checkpoint?.position;
        const page = (await this.local.readAll({ maxCount: this.pageSize, ...(after === undefined ? {} : { fromPosition: after }) })).filter(
          (e) => after === undefined || e.position > after,
        );
        if (page.length > 0) {
          ok = await this.forwardEvents(page);
          more = true;
        } else {
          ok = this.remoteState === 'connected' && !healthDue ? true : await this.checkRemote();
          healthDue = false;
        }
      } catch (error) {
        // Not a remote failure (forwardEvents handles those): the local store failed or closed.
        if (this.stopping) return;
        this.lastError = `forwarding stopped: ${describe(error)}`;
        this.publish();
        ok = false;
      }
      if (this.stopping) return;
      if (!ok) {
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.maxDelay);
        continue;
      }
      delay = this.initialDelay;
      if (more) continue;
      healthDue = (await this.idle()) === 'timer';
    }
  }

  /** Forwards a page of the backlog, run by run; false when a run could not be sent. */
  private async forwardEvents(page: readonly RecordedEvent[]): Promise<boolean> {
    try {
      for (const run of runsOf(page, this.maxRunBytes)) {
        if (this.stopping) return true;
        if (!(await this.forwardRun(run))) return false;
        const last = run[run.length - 1]!;
        this.checkpoint = { position: last.position, forwarded: (this.checkpoint?.forwarded ?? 0) + run.length };
        this.lastError = undefined;
        this.remoteState = this.pendingCount() > 0 ? 'catching-up' : 'connected';
        this.publish();
      }
      return true;
    } finally {
      await this.saveCheckpoint();
    }
  }

  /** Sends one run; true once the remote has all of it. */
  private async forwardRun(run: readonly RecordedEvent[]): Promise<boolean> {
    let rest = run;
    for (;;) {
      const first = rest[0]!;
      try {
        await this.timed(this.remote.append(first.stream, rest.map(toAppend), first.revision === 0 ? 'no_stream' : first.revision - 1));
        return true;
      } catch (error) {
        const verdict = await this.reconcile(rest, error);
        if (verdict === 'failed') return false;
        if (verdict === 'done') return true;
        rest = verdict;
      }
    }
  }

  /**
   * The remote refused a run (or could not be reached): look at the remote stream from the run's first
   * revision. Returns 'done' when the remote already has the whole run, the part still to send when it
   * has a prefix of it, or 'failed' (unreachable, a conflict, or a refusal for some other reason).
   */
  private async reconcile(run: readonly RecordedEvent[], error: unknown): Promise<'done' | 'failed' | RecordedEvent[]> {
    const first = run[0]!;
    let remote: RecordedEvent[];
    let before: RecordedEvent[];
    try {
      remote = await this.timed(this.remote.readStream(first.stream, { fromRevision: first.revision, maxCount: run.length }));
      before = first.revision === 0 ? [] : await this.timed(this.remote.readStream(first.stream, { fromRevision: first.revision - 1, maxCount: 1 }));
    } catch {
      this.fail('unreachable', error);
      return 'failed';
    }
    let same = 0;
    while (same < remote.length && same < run.length && remote[same]!.id === run[same]!.id && remote[same]!.revision === run[same]!.revision) same++;
    if (same === run.length) return 'done';
    const remoteHasBefore = first.revision === 0 || before.length === 1;
    if (same === remote.length && remoteHasBefore) {
      if (same > 0) return run.slice(same);
      // The remote stream ends where the run starts, yet the append failed: not a conflict.
      this.fail('catching-up', error);
      return 'failed';
    }
    const at = first.revision + same;
    this.fail(
      'catching-up',
      new Error(
        remoteHasBefore
          ? `conflict: remote stream ${first.stream} has event ${remote[same]?.id} at revision ${at} where this node wrote ${run[same]!.id}; forwarding is stopped until the remote is repaired`
          : `conflict: remote stream ${first.stream} lacks revision ${first.revision - 1}, which this node forwarded earlier; forwarding is stopped until the remote is repaired`,
      ),
    );
    return 'failed';
  }

  /** A cheap remote read, to learn whether it is reachable. */
  private async checkRemote(): Promise<boolean> {
    try {
      await this.timed(this.remote.readStream(HEALTH_STREAM, { maxCount: 1 }));
    } catch (error) {
      this.fail('unreachable', error);
      return false;
    }
    this.lastError = undefined;
    this.remoteState = this.pendingCount() > 0 ? 'catching-up' : 'connected';
    this.publish();
    return true;
  }

  /**
   * A remote call, given up after remoteTimeoutMs or on close (the call itself may still land, which
   * is harmless: a run sent again is recognised).
   */
  private timed<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the remote did not answer within ${this.remoteTimeoutMs} ms`)), this.remoteTimeoutMs);
    });
    const closing = this.stopped.then(() => Promise.reject(new Error('the outbox is closing')));
    call.catch(() => undefined);
    closing.catch(() => undefined);
    return Promise.race([call, timeout, closing]).finally(() => clearTimeout(timer));
  }

  private fail(state: RemoteState, error: unknown): void {
    this.remoteState = state;
    this.lastError = describe(error);
    this.publish();
  }

  /** Waits for an append, the health-check interval, or close. */
  private idle(): Promise<'append' | 'timer' | 'close'> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve('close');
      // Appended after the backlog was read: no need to wait.
      if (this.pendingCount() > 0) return resolve('append');
      const finish = (reason: 'append' | 'timer' | 'close'): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.wakeForwarder = undefined;
        resolve(reason);
      };
      const timer = this.healthCheckMs > 0 ? setTimeout(() => finish('timer'), this.healthCheckMs) : undefined;
      this.wakeForwarder = () => finish(this.stopping ? 'close' : 'append');
    });
  }

  /** Waits before a retry; only close() cuts it short (appends do not bring the remote back sooner). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.stopSleep = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.stopSleep = finish;
    });
  }

  private pendingCount(): number {
    return Math.max(0, this.local.stats.events - (this.checkpoint?.forwarded ?? 0));
  }

  private publish(): void {
    if (this.status$.closed) return;
    const current = this.status$.value;
    const remote = this.remoteState;
    const pending = this.pendingCount();
    const lastError = this.lastError;
    if (remote === current.remote && pending === current.pending && lastError === current.lastError) return;
    this.status$.next({ remote, pending, lastError, since: remote === current.remote ? current.since : Date.now() });
  }

  private async saveCheckpoint(): Promise<void> {
    const file = this.options.checkpointFile;
    const checkpoint = this.checkpoint;
    if (file === undefined || checkpoint === undefined || checkpoint === this.savedCheckpoint) return;
    const temporary = `${file}.tmp`;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temporary, JSON.stringify(checkpoint));
    await rename(temporary, file);
    this.savedCheckpoint = checkpoint;
  }
}

/** Opens an outbox over `local` and `remote` (which it then owns and closes) and starts forwarding. */
export async function openOutboxEventStore(local: LocalEventStore, remote: EventStore, options: OutboxOptions = {}): Promise<OutboxEventStore> {
  const checkpoint = options.checkpointFile === undefined ? undefined : await readCheckpoint(options.checkpointFile);
  const outbox = new OutboxEventStore(local, remote, checkpoint, options);
  outbox.start();
  return outbox;
}

async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Checkpoint>;
    if (typeof parsed.position === 'number' && typeof parsed.forwarded === 'number') return { position: parsed.position, forwarded: parsed.forwarded };
  } catch {
    // fall through: a damaged checkpoint only means forwarding starts over (idempotently)
  }
  return undefined;
}

/** Splits events (in $all order) into runs of consecutive revisions of one stream, of at most about maxBytes. */
function runsOf(events: readonly RecordedEvent[], maxBytes: number): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  let run: RecordedEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = approximateSize(event);
    const previous = run[run.length - 1];
    if (previous !== undefined && (previous.stream !== event.stream || previous.revision + 1 !== event.revision || bytes + size > maxBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(event);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function approximateSize(event: RecordedEvent): number {
  return 100 + event.type.length + (JSON.stringify(event.data)?.length ?? 4) + JSON.stringify(event.metadata).length;
}

function toAppend(event: RecordedEvent): EventToAppend {
  return Object.keys(event.metadata).length === 0
    ? { id: event.id, type: event.type, data: event.data }
    : { id: event.id, type: event.type, data: event.data, metadata: event.metadata };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
