/**
 * How the running server's event store is, for the admin's snapshot page: the embedded
 * store alone, or the embedded store as an outbox in front of EventStoreDB (remote state,
 * events waiting to be forwarded, last error). A live gauge, like CPU load: not an event,
 * so not shown for a past moment.
 */
export type RemoteStoreState = 'connected' | 'unreachable' | 'catching-up';

interface StoreStatusCommon {
  /** The embedded store's folder (with EventStoreDB: the outbox). */
  readonly folder: string;
  /** Events the views left out because this build cannot read them (newer schema, or invalid); the error log names them. */
  readonly unreadableEvents: number;
}

export interface EmbeddedStoreStatus extends StoreStatusCommon {
  readonly kind: 'embedded';
}

export interface EventStoreDbStatus extends StoreStatusCommon {
  readonly kind: 'eventstoredb';
  /** The connection string without user name and password. */
  readonly url: string;
  readonly remote: RemoteStoreState;
  /** When the remote entered that state (ISO 8601). */
  readonly since: string;
  /** Events stored here and not yet on EventStoreDB. */
  readonly pending: number;
  /** The last forwarding failure; null since the last success. */
  readonly lastError: string | null;
}

export type EventStoreStatusDto = EmbeddedStoreStatus | EventStoreDbStatus;

/**
 * A connection string fit to show and log: `esdb://user:secret@host:2113?tls=false` ->
 * `esdb://host:2113?tls=false` (also with several hosts, `esdb+discover://…`).
 */
export function withoutCredentials(connectionString: string): string {
  const trimmed = connectionString.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(trimmed)?.[0];
  if (scheme === undefined) return trimmed;
  // Credentials end at the first '@'. A password may hold '/', '?', '#' or '=' unencoded;
  // an '@' in the query (a CA file's path) comes after '?' and some 'name=' and is kept.
  const rest = trimmed.slice(scheme.length);
  const at = rest.indexOf('@');
  if (at < 0) return trimmed;
  const before = rest.slice(0, at);
  const inQuery = before.includes('?') && before.includes('=');
  return inQuery ? trimmed : scheme + rest.slice(at + 1);
}
