import { serverStream } from '../domain/events/streamNames.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { StreamWriter } from '../eventstore/streamWriter.js';
import type { ErrorLogger } from './rtsp/requestRouter.js';

/**
 * The writer of `server-<node>`: events about the server as a whole (access decisions,
 * and later settings and start/stop). It picks up the stream's revision at start, so
 * it stays the single writer across restarts.
 */
export interface ServerJournal {
  record(type: string, data: unknown): void;
  flush(): Promise<void>;
}

export async function openServerJournal(store: EventStore, nodeId: string, logger: ErrorLogger): Promise<ServerJournal> {
  const stream = serverStream(nodeId);
  const last = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  const writer = new StreamWriter(store, stream, { nodeId }, (error) => logger.log('WARNING', `${stream}: event not stored: ${error.message}`), last[0]?.revision);
  return {
    record(type, data) {
      try {
        writer.append(type, data).catch(() => {});
      } catch (error) {
        logger.log('WARNING', `${stream}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    flush: () => writer.flush(),
  };
}
