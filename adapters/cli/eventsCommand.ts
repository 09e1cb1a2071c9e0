import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectedUsersAt } from '../../domain/projections/connectedUsers.js';
import { openEmbeddedEventStore, StoreInUseError } from '../../eventstore/embedded/index.js';
import { EsdbEventStore } from '../../eventstore/esdb/esdbEventStore.js';
import type { EventStore, RecordedEvent } from '../../eventstore/eventStore.js';
import { describeSkippedEvent, UpcastingReader } from '../../eventstore/upcastingReader.js';

/**
 * `streamhouse events …`: audit and replay from the event store, either the embedded
 * one in a data folder (while the server is stopped) or any EventStoreDB endpoint,
 * including a running server's own (`--esdb-grpc-port`).
 */
const HELP = `Usage: streamhouse events <command> [--data <dir> | --url <esdb://…>]

Commands:
  streams                         list every stream, in order of first appearance
  tail [--from-start] [--count n] [--raw]
                                  follow $all, one JSON line per event (Ctrl-C ends)
  export [--from <time>] [--to <time>] [--raw]
                                  every event recorded in the interval, as JSON lines
  replay connected-users [--at <time>]
                                  rebuild the connected-users view as it stood at that time

Times are ISO 8601 (2026-11-25T10:00:00Z) or milliseconds since the epoch.
Events are shown and folded in this build's schema version: older ones are upcast; one
it cannot read (from a newer build, or invalid) is left out with a warning on stderr.
--raw shows tail and export exactly as stored instead.
`;

const VIEWS = ['connected-users'] as const;

function parseTime(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: not a time: ${text}`);
  return ms;
}

class UsageError extends Error {}

function line(event: RecordedEvent): string {
  return JSON.stringify({
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    recordedAt: new Date(event.recordedAt).toISOString(),
    id: event.id,
    data: event.data,
    metadata: event.metadata,
  });
}

async function openStore(values: { data?: string; url?: string }): Promise<EventStore> {
  if (values.url) return EsdbEventStore.connect(values.url);
  const dir = path.join(values.data ?? './data', 'events');
  try {
    return await openEmbeddedEventStore(dir);
  } catch (error) {
    if (error instanceof StoreInUseError) {
      throw new UsageError(`${error.message}: stop the server, or read through its endpoint with --url (start it with --esdb-grpc-port)`);
    }
    throw error;
  }
}

export async function runEventsCommand(
  argv: string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        url: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        at: { type: 'string' },
        'from-start': { type: 'boolean' },
        count: { type: 'string' },
        raw: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    err(`streamhouse events: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    out(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  let store: EventStore | null = null;
  try {
    if (!['streams', 'tail', 'export', 'replay'].includes(command)) throw new UsageError(`unknown command ${command}`);
    if (command === 'replay' && !VIEWS.includes(rest[0] as (typeof VIEWS)[number])) throw new UsageError(`replay needs a view: ${VIEWS.join(', ')}`);
    const from = parseTime('--from', values.from);
    const to = parseTime('--to', values.to);
    const at = parseTime('--at', values.at);
    const count = values.count === undefined ? Infinity : Number(values.count);
    store = await openStore(values);
    const current = new UpcastingReader(store, { onSkip: (skipped) => err(`streamhouse events: warning: ${describeSkippedEvent(skipped)}\n`) });
    // What export and tail print: as stored with --raw, else as the folds see them.
    const reads = values.raw ? store : current;

    switch (command) {
      case 'streams':
        for (const name of await store.listStreams()) out(`${name}\n`);
        return 0;
      case 'export':
        for (const event of await reads.readAll()) {
          if (from !== undefined && event.recordedAt < from) continue;
          if (to !== undefined && event.recordedAt > to) continue;
          out(`${line(event)}\n`);
        }
        return 0;
      case 'replay': {
        const view = connectedUsersAt(await current.readAll(), at ?? Infinity);
        out(`${JSON.stringify({ view: 'connected-users', at: at === undefined ? null : new Date(at).toISOString(), position: view.position, users: [...view.users.values()] }, null, 2)}\n`);
        return 0;
      }
      case 'tail': {
        const last = values['from-start'] ? [] : await store.readAll({ direction: 'backwards', maxCount: 1 });
        let seen = 0;
        await new Promise<void>((resolve, reject) => {
          const subscription = reads.subscribeToAll(last[0] ? { afterPosition: last[0].position } : {}).subscribe({
            next: (item) => {
              if (item.kind !== 'event') return;
              out(`${line(item.event)}\n`);
              if (++seen >= count) {
                subscription.unsubscribe();
                resolve();
              }
            },
            error: reject,
            complete: resolve,
          });
          process.once('SIGINT', () => {
            subscription.unsubscribe();
            resolve();
          });
        });
        return 0;
      }
    }
    return 0;
  } catch (error) {
    err(`streamhouse events: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  } finally {
    await store?.close();
  }
}
