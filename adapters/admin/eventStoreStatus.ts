import path from 'node:path';
import { withoutCredentials, type EventStoreStatusDto } from '../../domain/admin/eventStoreStatus.js';
import { EmbeddedEventStore } from '../../eventstore/embedded/index.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { OutboxEventStore } from '../../eventstore/outbox/outboxEventStore.js';

/**
 * Reads the running server's event store status for the admin (a live gauge on the
 * snapshot page): the embedded store's folder, and with EventStoreDB the outbox's
 * status$ (remote state and since when, events pending, last error). Read on each
 * snapshot the WebSocket sends, so the page follows it live.
 */
export interface EventStoreStatusSource {
  readonly store: EventStore;
  /** The embedded store's folder, when the store cannot tell. */
  readonly folder: string;
  /** The EventStoreDB connection string in use; empty or undefined for none. */
  readonly connectionString?: string | undefined;
  /** Events the folds left out (UpcastingReader.skipped). */
  readonly unreadableEvents: () => number;
}

export function eventStoreStatusReader(source: EventStoreStatusSource): () => EventStoreStatusDto {
  const { store } = source;
  const local = store instanceof OutboxEventStore ? store.local : store;
  const folder = path.resolve(local instanceof EmbeddedEventStore ? local.directory : source.folder);
  const url = withoutCredentials(source.connectionString ?? '');
  return () => {
    const unreadableEvents = source.unreadableEvents();
    if (!(store instanceof OutboxEventStore)) return { kind: 'embedded', folder, unreadableEvents };
    const status = store.status;
    return {
      kind: 'eventstoredb',
      folder,
      url,
      remote: status.remote,
      since: new Date(status.since).toISOString(),
      pending: status.pending,
      lastError: status.lastError ?? null,
      unreadableEvents,
    };
  };
}
