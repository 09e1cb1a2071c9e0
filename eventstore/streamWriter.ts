import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, validateEvent } from '../domain/events/catalogue.js';
import type { EventStore, ExpectedRevision } from './eventStore.js';

/**
 * The single writer of one stream. Events are validated against the catalogue before
 * they are queued (a bad one throws at once and is never appended), then appended in
 * order, each with the revision the stream must have, so a second writer would be
 * caught by WrongExpectedVersion rather than interleave silently.
 */
export interface WriterMetadata {
  readonly nodeId: string;
  readonly correlationId?: string;
}

export class StreamWriter {
  private expected: ExpectedRevision;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly failures: Error[] = [];

  constructor(
    private readonly store: EventStore,
    readonly stream: string,
    private readonly meta: WriterMetadata,
    private readonly onError: (error: Error) => void = () => {},
    /** Revision of the stream's last event when rehydrating; omit for a new stream. */
    lastRevision?: number,
  ) {
    this.expected = lastRevision === undefined ? 'no_stream' : lastRevision;
  }

  /** Validates and queues one event; resolves once it is durably stored. */
  append(type: string, data: unknown, causationId?: string): Promise<void> {
    const valid = validateEvent(type, data);
    const event = {
      id: randomUUID(),
      type,
      data: valid,
      metadata: {
        nodeId: this.meta.nodeId,
        time: new Date().toISOString(),
        schemaVersion: CURRENT_SCHEMA_VERSION,
        correlationId: this.meta.correlationId ?? this.stream,
        ...(causationId === undefined ? {} : { causationId }),
      },
    };
    const done = this.tail.then(async () => {
      const result = await this.store.append(this.stream, [event], this.expected);
      this.expected = result.nextExpectedRevision;
    });
    this.tail = done.catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.failures.push(failure);
      this.onError(failure);
    });
    return done;
  }

  /** Resolves when everything queued so far has been attempted. */
  async flush(): Promise<void> {
    await this.tail;
  }
}
