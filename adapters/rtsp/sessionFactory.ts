import { randomBytes } from 'node:crypto';
import { createActor } from 'xstate';
import { rtspSessionMachine } from '../../actors/rtspSession/rtspSessionMachine.js';
import { sessionStream } from '../../domain/events/streamNames.js';
import type { RequestTarget } from '../../domain/rtsp/requestTarget.js';
import type { RtspRequest } from '../../domain/rtsp/rtspMessage.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { StreamWriter } from '../../eventstore/streamWriter.js';
import type { BroadcastRegistry } from '../live/broadcastRegistry.js';
import { LiveReaderMedia } from '../live/liveReaderMedia.js';
import type { MulticastOutputs } from '../live/multicastOutputs.js';
import { PublisherMedia } from '../live/publisherMedia.js';
import { OnDemandSessionMedia, type OnDemandDeps } from './onDemandSessionMedia.js';
import { SessionMediaSwitch } from './sessionMediaSwitch.js';
import type { ErrorLogger } from './requestRouter.js';
import type { RtspConnection } from './rtspConnection.js';
import type { SessionEntry, SessionRegistry } from './sessionRegistry.js';

/**
 * Makes a session: an id from a CSPRNG (decimal, the shape QTSS used), its media, the
 * writer of its event stream, and its actor, started and registered.
 */
export interface SessionFactoryDeps {
  readonly registry: SessionRegistry;
  readonly store: EventStore;
  readonly nodeId: string;
  readonly onDemand: OnDemandDeps;
  readonly broadcasts: BroadcastRegistry;
  readonly multicast: MulticastOutputs;
  readonly multicastPaths: readonly string[];
  /** Why a live path is refused, if it is. */
  readonly liveRefusal: (path: string) => string | undefined;
  readonly timeoutSeconds: number;
  readonly logger: ErrorLogger;
}

export class SessionFactory {
  private readonly writers = new Set<StreamWriter>();

  constructor(private readonly deps: SessionFactoryDeps) {}

  create(connection: RtspConnection, target: Extract<RequestTarget, { kind: 'path' }>, request: RtspRequest): SessionEntry {
    const { registry, logger } = this.deps;
    const id = randomBytes(8).readBigUInt64BE().toString();
    const writer = new StreamWriter(this.deps.store, sessionStream(id), { nodeId: this.deps.nodeId }, (error) =>
      logger.log('WARNING', `session ${id}: event not stored: ${error.message}`),
    );
    this.writers.add(writer);
    let entry: SessionEntry | null = null;
    const touch = (): void => {
      if (entry) registry.touch(entry);
    };
    const { onDemand, broadcasts } = this.deps;
    const media = new SessionMediaSwitch({
      isLive: (path) => broadcasts.get(path) !== undefined,
      refusal: (path) => this.deps.liveRefusal(path),
      movie: () => new OnDemandSessionMedia(onDemand, touch),
      liveReader: () => new LiveReaderMedia({ broadcasts, udp: onDemand.udp, multicast: this.deps.multicast, multicastPaths: this.deps.multicastPaths }, touch, () => entry?.actor.send({ type: 'MEDIA_ENDED' })),
      publisher: () => new PublisherMedia({ broadcasts, udp: onDemand.udp }, touch),
    });
    const actor = createActor(rtspSessionMachine, {
      input: {
        record: (event) => {
          writer.append(event.type, event.data).catch(() => {
            // Reported through the writer's onError.
          });
        },
        sessionId: id,
        media,
        timeoutSeconds: this.deps.timeoutSeconds,
        now: Date.now,
        opened: {
          sessionId: id,
          clientAddress: connection.remoteAddress,
          clientPort: connection.remotePort,
          serverAddress: connection.localAddress,
          userAgent: request.headers.get('User-Agent') ?? null,
          url: target.presentationUri,
          path: target.path,
        },
      },
    });
    entry = { id, actor, path: target.path, connections: new Set([connection.id]), lastActivityMs: performance.now() };
    registry.add(entry);
    actor.subscribe({
      complete: () => {
        void writer.flush().then(() => this.writers.delete(writer));
      },
      error: (error) => logger.log('WARNING', `session ${id} failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    actor.start();
    return entry;
  }

  /** Resolves once every event written so far is stored. */
  async flush(): Promise<void> {
    await Promise.all([...this.writers].map((w) => w.flush()));
  }
}
