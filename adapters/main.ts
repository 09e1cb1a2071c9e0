import { copyFile, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../domain/settings.js';
import { openEmbeddedEventStore } from '../eventstore/embedded/index.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { MovieLibrary } from './files/movieLibrary.js';
import { MoviesFolder } from './files/moviesFolder.js';
import { ConsoleErrorLog } from './log/consoleErrorLog.js';
import { PacketScheduler } from './rtp/packetScheduler.js';
import { UdpPortPair } from './rtp/udpPortPair.js';
import { RequestRouter } from './rtsp/requestRouter.js';
import { RtspConnection } from './rtsp/rtspConnection.js';
import { SessionFactory } from './rtsp/sessionFactory.js';
import { SessionRegistry } from './rtsp/sessionRegistry.js';
import { SERVER_HEADER, VERSION } from './serverIdentity.js';

/**
 * The composition root: builds the server from settings, wiring the event store,
 * the media plane (UDP pair, scheduler, movie library) and the RTSP listeners.
 */
export interface RunningServer {
  readonly rtspPorts: readonly number[];
  readonly rtpPort: number;
  readonly store: EventStore;
  readonly registry: SessionRegistry;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: ConsoleErrorLog;
  /** Copy the shipped sample movie into a movies folder this call creates. */
  readonly seedSampleMovie?: boolean;
}

export async function startServer(settings: Settings, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? new ConsoleErrorLog();
  await prepareMoviesFolder(settings.moviesFolder, options.seedSampleMovie ?? true, logger);
  await mkdir(settings.dataFolder, { recursive: true });

  const store = await openEmbeddedEventStore(path.join(settings.dataFolder, 'events'), { repair: settings.repairEventStore });
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    const udp = await UdpPortPair.bind(settings.listenAddress, settings.rtpPort);
    cleanups.unshift(() => udp.close());
    const scheduler = new PacketScheduler();
    cleanups.unshift(() => scheduler.stop());
    const library = new MovieLibrary(new MoviesFolder(settings.moviesFolder), (file, box, message) =>
      logger.log('WARNING', `movie ${file} refused at box ${box}: ${message}`),
    );
    cleanups.unshift(() => library.close());

    const registry = new SessionRegistry(settings.sessionTimeoutSeconds * 1000);
    registry.start();
    const factory = new SessionFactory({
      registry,
      store,
      nodeId: settings.nodeId,
      timeoutSeconds: settings.sessionTimeoutSeconds,
      logger,
      onDemand: { library, udp, scheduler, maxPayloadBytes: settings.maxPayloadBytes, cname: `streamhouse@${settings.nodeId}` },
    });
    cleanups.unshift(async () => {
      registry.shutdown();
      await factory.flush();
    });
    const router = new RequestRouter({
      registry,
      createSession: (connection, target, request) => factory.create(connection, target, request),
      serverHeader: SERVER_HEADER,
      timeoutSeconds: settings.sessionTimeoutSeconds,
      logger,
    });

    const listeners: net.Server[] = [];
    const connections = new Set<net.Socket>();
    const bound: number[] = [];
    for (const port of settings.rtspPorts) {
      const server = net.createServer((socket) => {
        connections.add(socket);
        socket.on('close', () => connections.delete(socket));
        new RtspConnection(socket, router);
      });
      try {
        bound.push(await listen(server, port, settings.listenAddress));
        listeners.push(server);
      } catch (error) {
        logger.log('WARNING', `RTSP port ${port} not bound: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    if (bound.length === 0) throw new Error(`no RTSP port could be bound (tried ${settings.rtspPorts.join(', ')})`);
    cleanups.unshift(async () => {
      for (const socket of connections) socket.destroy();
      await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    });
    logger.log('INFO', `Streamhouse ${VERSION} started: RTSP on ${bound.join(', ')}, RTP/RTCP on UDP ${udp.rtpPort}-${udp.rtcpPort}`);

    let closing: Promise<void> | null = null;
    return {
      rtspPorts: bound,
      rtpPort: udp.rtpPort,
      store,
      registry,
      close: () => (closing ??= runCleanups(cleanups)),
    };
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch {
      // Keep closing the rest.
    }
  }
}

function listen(server: net.Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** The sample movie shipped with the project (adapters/files/sample), found from this module. */
export function sampleMoviePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From adapters/ (tsx) or dist/adapters/ (built): the package root is one or two levels up.
  const root = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '..', '..') : path.resolve(here, '..');
  return path.join(root, 'adapters', 'files', 'sample', 'sample.mp4');
}

async function prepareMoviesFolder(folder: string, seed: boolean, logger: ConsoleErrorLog): Promise<void> {
  const existed = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (existed) return;
  await mkdir(folder, { recursive: true });
  if (!seed) return;
  await copyFile(sampleMoviePath(), path.join(folder, 'sample.mp4'));
  logger.log('INFO', `created movies folder ${folder} with sample.mp4`);
}
