import path from 'node:path';
import { openEmbeddedEventStore, type EmbeddedEventStore } from './embedded/index.js';
import { EsdbEventStore } from './esdb/esdbEventStore.js';
import { openOutboxEventStore, type OutboxEventStore, type OutboxOptions } from './outbox/outboxEventStore.js';

/*
 * Chooses the server's event store from its settings:
 * - no connection string: the embedded store alone, in <dataFolder>/events;
 * - a connection string (the option, else the EVENTSTORE_URL environment variable), e.g.
 *   esdb://host:2113?tls=false: the same embedded store as an outbox in front of EventStoreDB. Appends
 *   are acknowledged locally and forwarded in order (see outbox/outboxEventStore.ts); the forwarding
 *   checkpoint lives in <dataFolder>/outbox-checkpoint.json. Opening does not wait for EventStoreDB,
 *   so the server starts while it is down; the returned store's status$ says how forwarding goes.
 */

export interface OpenEventStoreOptions {
  readonly dataFolder: string;
  /** EventStoreDB connection string; default process.env.EVENTSTORE_URL; empty means none. */
  readonly connectionString?: string;
  /** Let the embedded store truncate a damaged log (see EmbeddedEventStoreOptions.repair). */
  readonly repair?: boolean;
  /** Outbox tuning (retry delays, page size, health checks). */
  readonly outbox?: Omit<OutboxOptions, 'checkpointFile'>;
}

/** The EventStoreDB connection string in use: the one given, else EVENTSTORE_URL; '' for none. */
export function eventStoreConnectionString(given?: string): string {
  return (given ?? process.env.EVENTSTORE_URL ?? '').trim();
}

export async function openEventStore(options: OpenEventStoreOptions): Promise<EmbeddedEventStore | OutboxEventStore> {
  const embedded = await openEmbeddedEventStore(path.join(options.dataFolder, 'events'), { repair: options.repair ?? false });
  const connectionString = eventStoreConnectionString(options.connectionString);
  if (connectionString === '') return embedded;
  let remote: EsdbEventStore;
  try {
    remote = EsdbEventStore.connect(connectionString);
  } catch (error) {
    // A malformed connection string: fail now, not on the first forward.
    await embedded.close();
    throw error;
  }
  return openOutboxEventStore(embedded, remote, {
    ...options.outbox,
    checkpointFile: path.join(options.dataFolder, 'outbox-checkpoint.json'),
  });
}
