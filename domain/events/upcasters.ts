import type { z } from 'zod';
import { CURRENT_SCHEMA_VERSION, eventCatalogue } from './catalogue.js';

/**
 * Reading events that older builds wrote. A store keeps its events forever, so when an
 * event's shape changes, the folds (projections, logs, the admin views, `streamhouse
 * events replay`) must still read the old ones. They never see an old shape: every event
 * is upcast to the current schema version on its way out of the store, then validated by
 * the current zod schema.
 *
 * The schema version is one number for the whole catalogue (CURRENT_SCHEMA_VERSION, kept
 * in each event's metadata.schemaVersion by StreamWriter); an event without one was
 * written before versions were recorded and is version 1. To change an event's shape:
 *   1. change its schema in the catalogue (the shape this build writes);
 *   2. bump CURRENT_SCHEMA_VERSION;
 *   3. add a step to `steps` below, keyed by the version it reads, e.g.
 *      `SessionPaused: { 1: (v1) => ({ atSeconds: v1.at }) }` (v1 -> v2).
 * Types the bump did not change need no step: their data passes through. Steps are pure,
 * are never removed (old events stay), and run in order: a v1 event meets 1 -> 2, 2 -> 3…
 *
 * What cannot be read is skipped, never guessed at and never a crash (the caller warns
 * and counts): an event from a newer build (its version is above ours: this build does
 * not know the shape), a malformed version, a step that throws, or data that fails the
 * current schema after upcasting. Event types the catalogue does not know pass through
 * untouched, whatever their metadata: no fold reads them, and they may be other
 * programs' events in a shared EventStoreDB.
 */

/** An event's data as one version wrote it; every catalogue event's data is an object. */
export type EventData = Readonly<Record<string, unknown>>;

/** One step: data as version `n` wrote it -> data as version `n + 1` writes it. Pure. */
export type UpcastStep = (data: EventData) => Record<string, unknown>;

export interface UpcasterRegistry {
  /** The version this build writes and the folds read. */
  readonly currentVersion: number;
  /** The current schema of each event type. */
  readonly schemas: Readonly<Record<string, z.ZodType>>;
  /** Per event type, the step from each version that changed it (keyed by the version it reads). */
  readonly steps: Readonly<Record<string, Readonly<Record<number, UpcastStep>>>>;
}

/** Checks a registry's steps against its version and schemas; a mistake here fails at load, not on a read. */
export function defineUpcasters(registry: UpcasterRegistry): UpcasterRegistry {
  const { currentVersion, schemas, steps } = registry;
  if (!Number.isInteger(currentVersion) || currentVersion < 1) throw new Error(`upcasters: current version ${currentVersion} is not a whole number >= 1`);
  for (const [type, chain] of Object.entries(steps)) {
    if (!(type in schemas)) throw new Error(`upcasters: ${type} is not an event type of the catalogue`);
    for (const key of Object.keys(chain)) {
      const from = Number(key);
      if (!Number.isInteger(from) || from < 1 || from >= currentVersion) {
        throw new Error(`upcasters: ${type} has a step from version ${key}, but steps go from 1 to ${currentVersion - 1} (the current version is ${currentVersion})`);
      }
      if (typeof chain[from] !== 'function') throw new Error(`upcasters: ${type} step from version ${key} is not a function`);
    }
  }
  return Object.freeze({ currentVersion, schemas, steps });
}

/**
 * This build's upcasters. No event has changed shape since versions were recorded, so
 * there are no steps yet: version 1 is current, and reading still validates every event
 * and skips those from a newer build.
 */
export const upcasters: UpcasterRegistry = defineUpcasters({
  currentVersion: CURRENT_SCHEMA_VERSION,
  schemas: eventCatalogue,
  steps: {},
});

/** What upcasting reads of an event: the store's RecordedEvent and the folds' StoredEvent both fit. */
export interface UpcastableEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export type SkipReason = 'newer-version' | 'bad-version' | 'upcast-failed' | 'invalid';

export type UpcastResult<E> =
  | {
      readonly ok: true;
      /** The event with data in the current shape; metadata.schemaVersion says so. */
      readonly event: E;
      /** The version it was stored in. */
      readonly fromVersion: number;
    }
  | {
      readonly ok: false;
      readonly reason: SkipReason;
      /** metadata.schemaVersion as stored (undefined when absent). */
      readonly storedVersion: unknown;
      /** Why, for a warning a person can act on. */
      readonly message: string;
    };

/** The schema version an event was written in: absent means 1; anything but a whole number >= 1 is undefined. */
export function schemaVersionOf(metadata: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const stored = metadata?.schemaVersion;
  if (stored === undefined) return 1;
  return typeof stored === 'number' && Number.isInteger(stored) && stored >= 1 ? stored : undefined;
}

/** Brings an event to the registry's current version and validates it; see the file comment for what is skipped. */
export function upcastEvent<E extends UpcastableEvent>(event: E, registry: UpcasterRegistry = upcasters): UpcastResult<E> {
  const schema = registry.schemas[event.type];
  const current = registry.currentVersion;
  const storedVersion = event.metadata?.schemaVersion;
  if (!schema) return { ok: true, event, fromVersion: schemaVersionOf(event.metadata) ?? current };
  const version = schemaVersionOf(event.metadata);
  if (version === undefined) {
    return { ok: false, reason: 'bad-version', storedVersion, message: `schema version ${JSON.stringify(storedVersion)} is not a whole number >= 1` };
  }
  if (version > current) {
    return { ok: false, reason: 'newer-version', storedVersion, message: `written by a newer build (schema version ${version}; this build reads up to ${current})` };
  }
  let data: unknown = event.data;
  if (version < current) {
    const chain = registry.steps[event.type] ?? {};
    for (let from = version; from < current; from++) {
      const step = chain[from];
      if (!step) continue;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        return { ok: false, reason: 'invalid', storedVersion, message: `data is not an object (schema version ${version})` };
      }
      try {
        data = step(data as EventData);
      } catch (error) {
        return { ok: false, reason: 'upcast-failed', storedVersion, message: `upcasting from version ${from} to ${from + 1} failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    const upcast = version < current ? ` after upcasting from version ${version}` : '';
    return { ok: false, reason: 'invalid', storedVersion, message: `does not match the version ${current} schema${upcast}: ${issues}` };
  }
  const metadata = storedVersion === current ? event.metadata : { ...event.metadata, schemaVersion: current, ...(version < current ? { upcastFrom: version } : {}) };
  return { ok: true, event: { ...event, data: parsed.data, ...(metadata === undefined ? {} : { metadata }) }, fromVersion: version };
}
