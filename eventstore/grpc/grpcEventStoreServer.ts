import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Observable, Subscription as RxSubscription } from 'rxjs';
import {
  WrongExpectedVersionError,
  type AllFilter,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type SubscriptionItem,
} from '../eventStore.js';
import {
  Code,
  VNODE_STATE_LEADER,
  fromU64,
  packAny,
  serviceDefinition,
  streamNameOf,
  u64,
  uuidMessage,
  uuidToString,
  type AppendReq,
  type BatchAppendReq,
  type ProposedMessage,
  type ReadOptions,
  type ReadReq,
  type ReadResp,
  type Uuid,
} from './protocol.js';

/*
 * Any EventStore (in practice the embedded one) answering EventStoreDB's gRPC streams API, so the
 * EventStoreDB adapter is tested with the real @eventstore/db-client and EventStoreDB tools can read a
 * local store. Loopback only by default; no TLS and no authentication (connect with ?tls=false).
 *
 * Mapping:
 * - positions: the store's numeric position is both commit_position and prepare_position; $all
 *   "start" is position 0 (the embedded store's first event is past its segment header);
 * - events: content type application/json, data = the JSON of `data`, custom_metadata = the JSON of
 *   `metadata`, metadata map { type, content-type, created } with created in .NET ticks (100 ns) since
 *   the Unix epoch, as EventStoreDB sends it; event ids as string or structured UUIDs as the request's
 *   uuid_option asks (appends accept both);
 * - expected revisions: any / no_stream / stream_exists / an exact revision, passed to the store; its
 *   WrongExpectedVersionError goes back the way EventStoreDB sends it: an AppendResp
 *   wrong_expected_version for Append, a google.rpc.Status whose details pack an
 *   event_store.client.WrongExpectedVersion for BatchAppend;
 * - reads follow EventStoreDB: stream reads are inclusive of the start revision and answer
 *   stream_not_found for a stream with no events; $all reads forwards include the start position,
 *   backwards they return events strictly before it; with strictPositions (the default) a $all
 *   position that is neither 0, an event's position nor past the last event is refused, as
 *   EventStoreDB refuses a position that is not a record boundary;
 * - subscriptions (stream or $all, filtered by stream-name or event-type prefixes or regex) send a
 *   confirmation, catch up from the position or revision (exclusive, as in EventStoreDB), send
 *   caught_up, then follow live. Catch-up pages wait for the client (gRPC flow control); a live
 *   subscriber that stops reading falls behind: the server sends fell_behind, catches up again in
 *   pages and sends caught_up once more, as EventStoreDB does. Filtered $all subscriptions also get a
 *   checkpoint after every catch-up page and on reaching the live end.
 * Closing the server ends open reads, subscriptions and BatchAppend streams with UNAVAILABLE (after
 * answering the appends in progress), as a server going away does; closing the store ends its
 * subscriptions normally.
 * Not served: Delete, Tombstone, link resolution, persistent subscriptions, projections, operations,
 * users, and the BatchAppend deadline (appends are never timed out by the server).
 */

export interface GrpcEventStoreServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Serve and advertise Streams.BatchAppend (clients then append through it). Default true. */
  readonly batchAppend?: boolean;
  /** Answer ServerFeatures.GetSupportedMethods. Default true; false answers UNIMPLEMENTED, like an old server. */
  readonly serverFeatures?: boolean;
  /** Refuse $all positions that are not event positions, as EventStoreDB does. Default true. */
  readonly strictPositions?: boolean;
  /** Reported by GetSupportedMethods. */
  readonly serverVersion?: string;
  /** Messages a live subscription may leave unread by a slow client before it falls behind. Default 4096. */
  readonly liveBufferLimit?: number;
}

/** Events read from the store per page, for reads and subscription catch-ups. */
const PAGE = 500;
const DEFAULT_LIVE_BUFFER_LIMIT = 4096;
const STREAMS_SERVICE = 'event_store.client.streams.Streams';
const FEATURES_SERVICE = 'event_store.client.server_features.ServerFeatures';
const GOSSIP_SERVICE = 'event_store.client.gossip.Gossip';
const TICKS_PER_MS = 10_000n;

export class GrpcEventStoreServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 17 * 1024 * 1024 });
  private readonly instanceId = randomUUID();
  private readonly strictPositions: boolean;
  private readonly batchAppendEnabled: boolean;
  private boundPort = 0;
  private closePromise: Promise<void> | undefined;
  /** How to end each call that stays open (reads, subscriptions, BatchAppend streams) when the server closes. */
  private readonly liveCalls = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    private readonly options: GrpcEventStoreServerOptions = {},
  ) {
    this.strictPositions = options.strictPositions ?? true;
    this.batchAppendEnabled = options.batchAppend ?? true;
    const streams: Record<string, unknown> = {
      Read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      Append: (call: ServerReadableStream<AppendReq, object>, callback: sendUnaryData<object>) => this.append(call, callback),
    };
    if (this.batchAppendEnabled) streams.BatchAppend = (call: ServerDuplexStream<BatchAppendReq, object>) => this.batchAppend(call);
    this.server.addService(serviceDefinition(STREAMS_SERVICE), streams as never);
    if (options.serverFeatures ?? true) {
      this.server.addService(serviceDefinition(FEATURES_SERVICE), {
        GetSupportedMethods: (_call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => callback(null, this.supportedMethods()),
      } as never);
    }
    this.server.addService(serviceDefinition(GOSSIP_SERVICE), {
      Read: (_call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => callback(null, this.clusterInfo()),
    } as never);
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** esdb://host:port?tls=false */
  get connectionString(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `esdb://${host}:${this.boundPort}?tls=false`;
  }

  async listen(): Promise<this> {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${this.options.port ?? 0}`, ServerCredentials.createInsecure(), (error, port) => {
        if (error) reject(error);
        else resolve(port);
      });
    });
    return this;
  }

  /** Stops accepting calls and ends those in progress (after up to graceMs for unary calls to finish). Idempotent. */
  close(graceMs = 1_000): Promise<void> {
    this.closePromise ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      // Reads, subscriptions and BatchAppend streams stay open: end them now (UNAVAILABLE, as a
      // server going away does), rather than after the grace period.
      for (const shutdown of [...this.liveCalls]) shutdown();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closePromise;
  }

  // ---------------------------------------------------------------- ServerFeatures, Gossip

  private supportedMethods(): object {
    const methods = [
      { method_name: 'read', service_name: STREAMS_SERVICE.toLowerCase(), features: [] as string[] },
      { method_name: 'append', service_name: STREAMS_SERVICE.toLowerCase(), features: [] as string[] },
      { method_name: 'getsupportedmethods', service_name: FEATURES_SERVICE.toLowerCase(), features: [] as string[] },
      { method_name: 'read', service_name: GOSSIP_SERVICE.toLowerCase(), features: [] as string[] },
    ];
    if (this.batchAppendEnabled) methods.push({ method_name: 'batchappend', service_name: STREAMS_SERVICE.toLowerCase(), features: [] });
    return { methods, event_store_server_version: this.options.serverVersion ?? '24.10.0-streamhouse' };
  }

  private clusterInfo(): object {
    return {
      members: [
        {
          instance_id: uuidMessage(this.instanceId, false),
          time_stamp: (BigInt(Date.now()) * TICKS_PER_MS).toString(),
          state: VNODE_STATE_LEADER,
          is_alive: true,
          http_end_point: { address: this.host, port: this.boundPort },
        },
      ],
    };
  }

  // ---------------------------------------------------------------- Append

  private append(call: ServerReadableStream<AppendReq, object>, callback: sendUnaryData<object>): void {
    let options: AppendReq['options'];
    const events: EventToAppend[] = [];
    let failure: unknown;
    call.on('data', (request: AppendReq) => {
      if (failure !== undefined) return;
      try {
        if (request.content === 'options') {
          if (options !== undefined) throw new BadRequest('options sent twice');
          options = request.options;
        } else if (request.content === 'proposed_message') {
          if (options === undefined) throw new BadRequest('a proposed message before the options');
          events.push(toEventToAppend(request.proposed_message!));
        }
      } catch (error) {
        failure = error;
      }
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      void (async () => {
        try {
          if (failure !== undefined) throw failure;
          if (options === undefined) throw new BadRequest('no options');
          const stream = requireStream(streamNameOf(options.stream_identifier));
          const expected = expectedOf(options.expected_stream_revision, options.revision);
          try {
            const result = await this.store.append(stream, events, expected);
            callback(null, {
              success: {
                ...(result.nextExpectedRevision < 0 ? { no_stream: {} } : { current_revision: u64(result.nextExpectedRevision) }),
                ...(result.position < 0 ? { no_position: {} } : { position: { commit_position: u64(result.position), prepare_position: u64(result.position) } }),
              },
            });
          } catch (error) {
            if (!(error instanceof WrongExpectedVersionError)) throw error;
            callback(null, { wrong_expected_version: appendWrongExpectedVersion(error) });
          }
        } catch (error) {
          callback(serviceError(error));
        }
      })();
    });
  }

  // ---------------------------------------------------------------- BatchAppend

  private batchAppend(call: ServerDuplexStream<BatchAppendReq, object>): void {
    interface OpenBatch {
      correlation: Uuid;
      options: BatchAppendReq['options'];
      events: EventToAppend[];
      failure: unknown;
    }
    const open = new Map<string, OpenBatch>();
    const inFlight = new Set<Promise<void>>();
    let ending = false;
    call.on('data', (request: BatchAppendReq) => {
      if (ending) return;
      const key = uuidToString(request.correlation_id) ?? '';
      let batch = open.get(key);
      if (batch === undefined) {
        batch = { correlation: request.correlation_id ?? { string: '' }, options: request.options, events: [], failure: undefined };
        open.set(key, batch);
      } else if (batch.options === undefined) {
        batch.options = request.options;
      }
      if (batch.failure === undefined) {
        try {
          for (const message of request.proposed_messages ?? []) batch.events.push(toEventToAppend(message));
        } catch (error) {
          batch.failure = error;
        }
      }
      if (request.is_final === true) {
        open.delete(key);
        // Started in arrival order, so appends to one stream reach the store in the client's order.
        const done = this.completeBatch(call, batch);
        inFlight.add(done);
        void done.finally(() => inFlight.delete(done));
      }
    });
    /** The client closed its side (graceful), or the server is closing (the client gets UNAVAILABLE). */
    const finish = (shutdown: boolean): void => {
      if (ending) return;
      ending = true;
      this.liveCalls.delete(onShutdown);
      void Promise.allSettled([...inFlight]).then(() => {
        if (call.writableEnded || call.destroyed) return;
        if (shutdown) call.emit('error', { code: status.UNAVAILABLE, details: 'server shutting down' });
        else call.end();
      });
    };
    const onShutdown = (): void => finish(true);
    this.liveCalls.add(onShutdown);
    call.on('error', () => this.liveCalls.delete(onShutdown));
    call.on('cancelled', () => this.liveCalls.delete(onShutdown));
    call.on('end', () => finish(false));
  }

  private async completeBatch(
    call: ServerDuplexStream<BatchAppendReq, object>,
    batch: { correlation: Uuid; options: BatchAppendReq['options']; events: EventToAppend[]; failure: unknown },
  ): Promise<void> {
    const options = batch.options;
    const name = streamNameOf(options?.stream_identifier) ?? '';
    const common = {
      correlation_id: batch.correlation,
      stream_identifier: { stream_name: Buffer.from(name, 'utf8') },
      ...(options?.expected_stream_position === 'stream_position'
        ? { stream_position: options.stream_position }
        : options?.expected_stream_position === 'no_stream'
          ? { no_stream: {} }
          : options?.expected_stream_position === 'stream_exists'
            ? { stream_exists: {} }
            : { any: {} }),
    };
    let response: object;
    try {
      if (batch.failure !== undefined) throw batch.failure;
      if (options === undefined) throw new BadRequest('no options for this correlation id');
      const expected = expectedOf(
        options.expected_stream_position === 'stream_position' ? 'revision' : options.expected_stream_position,
        options.stream_position,
      );
      const result = await this.store.append(requireStream(name), batch.events, expected);
      response = {
        ...common,
        success: {
          ...(result.nextExpectedRevision < 0 ? { no_stream: {} } : { current_revision: u64(result.nextExpectedRevision) }),
          ...(result.position < 0 ? { no_position: {} } : { position: { commit_position: u64(result.position), prepare_position: u64(result.position) } }),
        },
      };
    } catch (error) {
      response = { ...common, error: batchError(error) };
    }
    if (!call.cancelled && !call.destroyed) call.write(response);
  }

  // ---------------------------------------------------------------- Read

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    const out = new Outbound(call);
    const cancel = (): void => {
      out.fail({ code: status.UNAVAILABLE, details: 'server shutting down' });
      out.cancel();
    };
    this.liveCalls.add(cancel);
    void this.readNow(call.request.options ?? {}, out)
      .then(
        () => out.end(),
        (error: unknown) => out.fail(serviceError(error)),
      )
      .finally(() => this.liveCalls.delete(cancel));
  }

  private async readNow(options: ReadOptions, out: Outbound): Promise<void> {
    const structured = options.uuid_option?.content === 'structured';
    const backwards = options.read_direction === 1;
    const filter = compileFilter(options);
    if (options.count_option === 'subscription') {
      if (options.stream_option === 'all') await this.subscribeAll(options, filter, structured, out);
      else await this.subscribeStream(options, structured, out);
      return;
    }
    const count = options.count_option === 'count' ? fromU64(options.count) : Number.MAX_SAFE_INTEGER;
    if (options.stream_option === 'all') await this.readAll(options, filter, backwards, count, structured, out);
    else await this.readStream(options, backwards, count, structured, out);
  }

  private async readStream(options: ReadOptions, backwards: boolean, count: number, structured: boolean, out: Outbound): Promise<void> {
    const stream = requireStream(streamNameOf(options.stream?.stream_identifier));
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    if (last === undefined) {
      await out.write({ stream_not_found: { stream_identifier: { stream_name: Buffer.from(stream, 'utf8') } } });
      return;
    }
    const option = options.stream?.revision_option;
    let next: number;
    if (!backwards) next = option === 'revision' ? fromU64(options.stream!.revision) : option === 'end' ? last.revision + 1 : 0;
    else next = option === 'revision' ? Math.min(fromU64(options.stream!.revision), last.revision) : option === 'start' ? 0 : last.revision;
    let remaining = count;
    while (remaining > 0 && next >= 0 && next <= last.revision && !out.cancelled) {
      const want = Math.min(PAGE, remaining);
      const page = await this.store.readStream(stream, { direction: backwards ? 'backwards' : 'forwards', fromRevision: next, maxCount: want });
      for (const event of page) await out.write(eventMessage(event, structured));
      remaining -= page.length;
      if (page.length < want) break;
      next = backwards ? page[page.length - 1]!.revision - 1 : page[page.length - 1]!.revision + 1;
    }
  }

  private async readAll(options: ReadOptions, filter: ServerFilter, backwards: boolean, count: number, structured: boolean, out: Outbound): Promise<void> {
    const option = options.all?.all_option;
    if ((!backwards && option === 'end') || (backwards && option === 'start')) return;
    // Events to send are those strictly past `bound` in the reading direction (undefined: no bound).
    let bound: number | undefined;
    let inclusive = false;
    if (option === 'position') {
      const position = fromU64(options.all!.position?.commit_position);
      await this.checkPosition(position);
      bound = position;
      inclusive = !backwards; // EventStoreDB: forwards from P includes P, backwards from P stops before it
    }
    let remaining = count;
    while (remaining > 0 && !out.cancelled) {
      const page = await this.store.readAll({
        direction: backwards ? 'backwards' : 'forwards',
        maxCount: PAGE,
        ...(bound === undefined ? {} : { fromPosition: bound }),
        ...(filter.allFilter === undefined ? {} : { filter: filter.allFilter }),
      });
      for (const event of page) {
        if (bound !== undefined && !(inclusive && event.position === bound) && (backwards ? event.position >= bound : event.position <= bound)) continue;
        if (filter.predicate !== undefined && !filter.predicate(event)) continue;
        await out.write(eventMessage(event, structured));
        if (--remaining === 0) break;
      }
      if (page.length < PAGE) break;
      bound = page[page.length - 1]!.position;
      inclusive = false;
    }
  }

  /** EventStoreDB refuses to read $all from a position that is not a record boundary; so do we, for event positions. */
  private async checkPosition(position: number): Promise<void> {
    if (!this.strictPositions || position === 0) return;
    const [event] = await this.store.readAll({ fromPosition: position, maxCount: 1 });
    if (event !== undefined && event.position !== position) throw new InvalidPosition(position);
  }

  private async headPosition(): Promise<number> {
    const [last] = await this.store.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position ?? 0;
  }

  // ---------------------------------------------------------------- subscriptions

  private async subscribeAll(options: ReadOptions, filter: ServerFilter, structured: boolean, out: Outbound): Promise<void> {
    await out.write({ confirmation: { subscription_id: randomUUID() } });
    let cursor: number | undefined;
    const option = options.all?.all_option;
    if (option === 'end') cursor = await this.headPosition();
    else if (option === 'position') {
      cursor = fromU64(options.all!.position?.commit_position);
      if (cursor < (await this.headPosition())) await this.checkPosition(cursor);
    }
    const filtered = filter.allFilter !== undefined || filter.predicate !== undefined;
    const checkpoint = (position: number | undefined): ReadResp => ({
      checkpoint: { commit_position: u64(position ?? 0), prepare_position: u64(position ?? 0) },
    });
    while (!out.cancelled) {
      // Catch up page by page, at the client's pace.
      for (;;) {
        const page = await this.store.readAll({
          maxCount: PAGE,
          ...(cursor === undefined ? {} : { fromPosition: cursor }),
          ...(filter.allFilter === undefined ? {} : { filter: filter.allFilter }),
        });
        for (const event of page) {
          if (cursor !== undefined && event.position <= cursor) continue;
          cursor = event.position;
          if (filter.predicate === undefined || filter.predicate(event)) await out.write(eventMessage(event, structured));
          if (out.cancelled) return;
        }
        if (page.length < PAGE) break;
        if (filtered) await out.write(checkpoint(cursor));
      }
      // Then follow the store's own subscription, which covers what was appended meanwhile.
      const live = await this.follow(
        this.store.subscribeToAll({
          ...(cursor === undefined ? {} : { afterPosition: cursor }),
          ...(filter.allFilter === undefined ? {} : { filter: filter.allFilter }),
        }),
        out,
        (event) => {
          cursor = event.position;
          return filter.predicate === undefined || filter.predicate(event) ? eventMessage(event, structured) : undefined;
        },
        () => (filtered ? [checkpoint(cursor), { caught_up: {} }] : [{ caught_up: {} }]),
      );
      if (live === 'ended') return;
      await out.write({ fell_behind: {} });
    }
  }

  private async subscribeStream(options: ReadOptions, structured: boolean, out: Outbound): Promise<void> {
    const stream = requireStream(streamNameOf(options.stream?.stream_identifier));
    await out.write({ confirmation: { subscription_id: randomUUID() } });
    let cursor = -1;
    const option = options.stream?.revision_option;
    if (option === 'end') cursor = (await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1;
    else if (option === 'revision') cursor = fromU64(options.stream!.revision);
    while (!out.cancelled) {
      for (;;) {
        const page = await this.store.readStream(stream, { fromRevision: cursor + 1, maxCount: PAGE });
        for (const event of page) {
          cursor = event.revision;
          await out.write(eventMessage(event, structured));
          if (out.cancelled) return;
        }
        if (page.length < PAGE) break;
      }
      const live = await this.follow(
        this.store.subscribeToStream(stream, { afterRevision: cursor }),
        out,
        (event) => {
          cursor = event.revision;
          return eventMessage(event, structured);
        },
        () => [{ caught_up: {} }],
      );
      if (live === 'ended') return;
      await out.write({ fell_behind: {} });
    }
  }

  /**
   * Relays a store subscription until the store completes it or the call ends ('ended'), or until the
   * client leaves liveBufferLimit messages unread ('behind': the caller catches up in pages again).
   */
  private follow(
    source: Observable<SubscriptionItem>,
    out: Outbound,
    toMessage: (event: RecordedEvent) => ReadResp | undefined,
    onCaughtUp: () => ReadResp[],
  ): Promise<'ended' | 'behind'> {
    return new Promise((resolve, reject) => {
      let subscription: RxSubscription | undefined;
      let settled = false;
      const settle = (outcome: 'ended' | 'behind' | Error): void => {
        if (settled) return;
        settled = true;
        out.offCancel(onCancel);
        subscription?.unsubscribe();
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onCancel = (): void => settle('ended');
      out.onCancel(onCancel);
      subscription = source.subscribe({
        next: (item) => {
          if (settled) return;
          const messages = item.kind === 'caughtUp' ? onCaughtUp() : [toMessage(item.event)].filter((m) => m !== undefined);
          for (const message of messages) {
            out.writeNow(message);
            if (out.cancelled || out.buffered > (this.options.liveBufferLimit ?? DEFAULT_LIVE_BUFFER_LIMIT)) {
              settle('behind');
              return;
            }
          }
        },
        error: (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
        complete: () => settle('ended'),
      });
      if (settled) subscription.unsubscribe();
    });
  }
}

/** Starts a server for `store`; see GrpcEventStoreServerOptions. */
export async function startGrpcEventStoreServer(store: EventStore, options: GrpcEventStoreServerOptions = {}): Promise<GrpcEventStoreServer> {
  return new GrpcEventStoreServer(store, options).listen();
}

// ------------------------------------------------------------------ server-streaming helper

/** Writes to a server-streaming call with flow control, and knows when the client went away. */
class Outbound {
  cancelled = false;
  private readonly cancelListeners = new Set<() => void>();

  constructor(private readonly call: ServerWritableStream<ReadReq, ReadResp>) {
    const onGone = (): void => this.cancel();
    call.on('cancelled', onGone);
    call.on('error', onGone);
    call.on('close', onGone);
  }

  get buffered(): number {
    return this.call.writableLength;
  }

  /** Ends the call as if the client had gone (server shutdown). */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.cancelListeners]) listener();
  }

  onCancel(listener: () => void): void {
    this.cancelListeners.add(listener);
  }

  offCancel(listener: () => void): void {
    this.cancelListeners.delete(listener);
  }

  /** Writes now, however much is already buffered (a no-op once the client is gone). */
  writeNow(message: ReadResp): void {
    if (!this.cancelled) this.call.write(message);
  }

  /** Writes, then waits until the client has room for more (or is gone). */
  async write(message: ReadResp): Promise<void> {
    if (this.cancelled) return;
    if (this.call.write(message)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.call.off('drain', done);
        this.offCancel(done);
        resolve();
      };
      this.call.on('drain', done);
      this.onCancel(done);
    });
  }

  end(): void {
    if (!this.call.writableEnded && !this.call.destroyed) this.call.end();
  }

  fail(error: Partial<ServiceError>): void {
    if (this.call.writableEnded || this.call.destroyed) return;
    this.call.emit('error', error);
  }
}

// ------------------------------------------------------------------ mapping helpers

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

class InvalidPosition extends Error {
  override readonly name = 'InvalidPosition';
  constructor(position: number) {
    super(`Invalid position: ${position} is not the position of an event in $all`);
  }
}

interface ServerFilter {
  /** The part the store filters itself (stream-name prefixes). */
  readonly allFilter?: AllFilter;
  /** The rest: event-type prefixes, regular expressions. */
  readonly predicate?: (event: RecordedEvent) => boolean;
}

function compileFilter(options: ReadOptions): ServerFilter {
  if (options.filter_option !== 'filter' || options.filter === undefined) return {};
  const f = options.filter;
  const onStream = f.filter === 'stream_identifier';
  const expression = onStream ? f.stream_identifier : f.event_type;
  if (expression === undefined) return {};
  const prefixes = expression.prefix !== undefined && expression.prefix.length > 0 ? expression.prefix : undefined;
  let regex: RegExp | undefined;
  if (expression.regex !== undefined && expression.regex !== '') {
    try {
      regex = new RegExp(expression.regex);
    } catch {
      throw new BadRequest(`invalid filter regex ${expression.regex}`);
    }
  }
  const allFilter: AllFilter | undefined = onStream && prefixes !== undefined ? { streamPrefixes: prefixes } : undefined;
  const tests: ((event: RecordedEvent) => boolean)[] = [];
  if (!onStream && prefixes !== undefined) tests.push((e) => prefixes.some((p) => e.type.startsWith(p)));
  if (regex !== undefined) {
    const r = regex;
    tests.push(onStream ? (e) => r.test(e.stream) : (e) => r.test(e.type));
  }
  return {
    ...(allFilter === undefined ? {} : { allFilter }),
    ...(tests.length === 0 ? {} : { predicate: (e: RecordedEvent) => tests.every((t) => t(e)) }),
  };
}

function eventMessage(event: RecordedEvent, structured: boolean): ReadResp {
  const position = u64(event.position);
  return {
    event: {
      event: {
        id: uuidMessage(event.id, structured),
        stream_identifier: { stream_name: Buffer.from(event.stream, 'utf8') },
        stream_revision: u64(event.revision),
        prepare_position: position,
        commit_position: position,
        metadata: {
          type: event.type,
          'content-type': 'application/json',
          created: (BigInt(Math.trunc(event.recordedAt)) * TICKS_PER_MS).toString(),
        },
        custom_metadata: Buffer.from(JSON.stringify(event.metadata ?? {}), 'utf8'),
        data: Buffer.from(JSON.stringify(event.data ?? null), 'utf8'),
      },
      commit_position: position,
    },
  };
}

function toEventToAppend(message: ProposedMessage): EventToAppend {
  const id = uuidToString(message.id);
  if (id === undefined || id === '') throw new BadRequest('an event without an id');
  const type = message.metadata?.type;
  if (type === undefined || type === '') throw new BadRequest(`event ${id} has no type`);
  const contentType = message.metadata?.['content-type'] ?? 'application/json';
  if (contentType !== 'application/json') {
    throw new BadRequest(`event ${id}: content type ${contentType} is not supported (only application/json)`);
  }
  let data: unknown = null;
  if (message.data !== undefined && message.data.length > 0) {
    try {
      data = JSON.parse(message.data.toString('utf8'));
    } catch {
      throw new BadRequest(`event ${id}: data is not valid JSON`);
    }
  }
  let metadata: Record<string, unknown> | undefined;
  if (message.custom_metadata !== undefined && message.custom_metadata.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.custom_metadata.toString('utf8'));
    } catch {
      throw new BadRequest(`event ${id}: custom metadata is not valid JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadRequest(`event ${id}: custom metadata must be a JSON object`);
    }
    metadata = parsed as Record<string, unknown>;
  }
  return metadata === undefined ? { id, type, data } : { id, type, data, metadata };
}

function requireStream(name: string | undefined): string {
  if (name === undefined || name === '') throw new BadRequest('no stream name');
  return name;
}

function expectedOf(option: string | undefined, revision: string | undefined): ExpectedRevision {
  switch (option) {
    case 'no_stream':
      return 'no_stream';
    case 'stream_exists':
      return 'stream_exists';
    case 'revision': {
      const value = BigInt(revision ?? '0');
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadRequest(`expected revision ${value} is out of range`);
      return Number(value);
    }
    default:
      return 'any';
  }
}

/** EventStoreDB's AppendResp.WrongExpectedVersion, with the 20.6.0 fields filled too where they can be. */
function appendWrongExpectedVersion(error: WrongExpectedVersionError): object {
  const current = error.actual < 0 ? { no_stream_20_6_0: {}, current_no_stream: {} } : { current_revision_20_6_0: u64(error.actual), current_revision: u64(error.actual) };
  const e = error.expected;
  const expected =
    e === 'any'
      ? { any_20_6_0: {}, expected_any: {} }
      : e === 'stream_exists'
        ? { stream_exists_20_6_0: {}, expected_stream_exists: {} }
        : e === 'no_stream' || e === -1
          ? { expected_no_stream: {} }
          : { expected_revision_20_6_0: u64(e), expected_revision: u64(e) };
  return { ...current, ...expected };
}

/** A google.rpc.Status for BatchAppendResp.error; the client reads its details by type name. */
function batchError(error: unknown): object {
  if (error instanceof WrongExpectedVersionError) {
    const e = error.expected;
    const details = {
      ...(error.actual < 0 ? { current_no_stream: {} } : { current_stream_revision: u64(error.actual) }),
      ...(e === 'any'
        ? { expected_any: {} }
        : e === 'stream_exists'
          ? { expected_stream_exists: {} }
          : e === 'no_stream' || e === -1
            ? { expected_no_stream: {} }
            : { expected_stream_position: u64(e) }),
    };
    return { code: Code.FAILED_PRECONDITION, message: error.message, details: packAny('event_store.client.WrongExpectedVersion', details) };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isBadRequest(error)) {
    return { code: Code.INVALID_ARGUMENT, message, details: packAny('event_store.client.BadRequest', { message }) };
  }
  const code = isUnavailable(error) ? Code.UNAVAILABLE : Code.UNKNOWN;
  return { code, message, details: packAny('event_store.client.Unknown', {}) };
}

function serviceError(error: unknown): Partial<ServiceError> {
  const details = error instanceof Error ? error.message : String(error);
  if (isBadRequest(error)) return { code: status.INVALID_ARGUMENT, details };
  if (error instanceof InvalidPosition) return { code: status.INVALID_ARGUMENT, details };
  if (isUnavailable(error)) return { code: status.UNAVAILABLE, details };
  return { code: status.UNKNOWN, details };
}

function isBadRequest(error: unknown): boolean {
  return error instanceof BadRequest || error instanceof TypeError || error instanceof RangeError || (error instanceof Error && error.name === 'DuplicateEventIdError');
}

function isUnavailable(error: unknown): boolean {
  return error instanceof Error && (error.name === 'StoreClosedError' || error.name === 'StoreFailedError');
}
