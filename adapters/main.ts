import { copyFile, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../domain/settings.js';
import { startGrpcEventStoreServer, type GrpcEventStoreServer } from '../eventstore/grpc/grpcEventStoreServer.js';
import { eventStoreConnectionString, openEventStore } from '../eventstore/openEventStore.js';
import { OutboxEventStore } from '../eventstore/outbox/outboxEventStore.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { describeSkippedEvent, UpcastingReader } from '../eventstore/upcastingReader.js';
import { withoutCredentials } from '../domain/admin/eventStoreStatus.js';
import { MovieLibrary } from './files/movieLibrary.js';
import { MoviesFolder } from './files/moviesFolder.js';
import { ConsoleErrorLog } from './log/consoleErrorLog.js';
import { PacketScheduler } from './rtp/packetScheduler.js';
import { AdmissionControl, ThroughputMeter, type Limits } from './rtp/admissionControl.js';
import { UdpPortPairs } from './rtp/udpPortPairs.js';
import { Authenticator } from './auth/authenticator.js';
import { FILE_RECHECK_MS } from './auth/fileSnapshot.js';
import { AccessGate } from './rtsp/accessGate.js';
import { openServerJournal } from './serverJournal.js';
import { BroadcastRegistry } from './live/broadcastRegistry.js';
import { MulticastOutputs } from './live/multicastOutputs.js';
import { SdpFileSources } from './live/sdpFileSources.js';
import { TunnelRegistry } from './rtsp/httpTunnel.js';
import { RequestRouter } from './rtsp/requestRouter.js';
import { RtspConnection } from './rtsp/rtspConnection.js';
import { SessionFactory } from './rtsp/sessionFactory.js';
import { SessionRegistry } from './rtsp/sessionRegistry.js';
import { SERVER_HEADER, VERSION } from './serverIdentity.js';
import { adminSettingsOf } from '../domain/admin/adminSettings.js';
import { startAdminServer, type AdminServer } from './admin/adminServer.js';
import { LiveViews, ProcessGauges } from './admin/liveViews.js';
import { eventStoreStatusReader } from './admin/eventStoreStatus.js';
import { adminUiFolder } from './admin/packageRoot.js';
import { withSavedSettings } from './admin/savedSettings.js';
import { LogFileWriter } from './log/logFileWriter.js';

/**
 * The composition root: builds the server from settings, wiring the event store,
 * the media plane (UDP pair, scheduler, movie library) and the RTSP listeners.
 */
export interface RunningServer {
  readonly listening: ReadonlyArray<{ address: string; port: number }>;
  /** The live limits: changing them applies to the next new session. */
  readonly limits: Limits;
  /** Connection string of the EventStoreDB gRPC endpoint, when served. */
  readonly esdbEndpoint: string | null;
  readonly store: EventStore;
  readonly registry: SessionRegistry;
  /** The web admin, when it could listen. */
  readonly admin: { readonly port: number; readonly addresses: readonly string[] } | null;
  /** Where Error.log and StreamingServer.log are written. */
  readonly logFolder: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: ConsoleErrorLog;
  /** Copy the shipped sample movie into a movies folder this call creates. */
  readonly seedSampleMovie?: boolean;
  /** Start the web admin (default true). */
  readonly admin?: boolean;
  /** The command line the server was started with, for the systemd unit the admin shows. */
  readonly commandLine?: readonly string[];
}

export async function startServer(configured: Settings, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? new ConsoleErrorLog();
  // Settings changed in the web admin outlive a restart (adapters/admin/savedSettings.ts).
  const { settings, applied } = await withSavedSettings(configured);
  if (applied.length > 0) logger.log('INFO', `settings changed in the web admin apply over the configuration: ${applied.map((n) => `${n}=${JSON.stringify(settings[n])}`).join(', ')}`);
  const logFolder = path.resolve(settings.logFolder || path.join(settings.dataFolder, 'logs'));
  await prepareMoviesFolder(settings.moviesFolder, options.seedSampleMovie ?? true, logger);
  await mkdir(settings.dataFolder, { recursive: true });

  // An empty setting means unset: EVENTSTORE_URL may still name one.
  const eventStoreUrl = eventStoreConnectionString(settings.eventStoreUrl || undefined);
  const store = await openEventStore({ dataFolder: settings.dataFolder, repair: settings.repairEventStore, connectionString: eventStoreUrl });
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  try {
    // What the folds read: every event upcast to the current schema version; one this build
    // cannot read is left out, named in the error log (the first few) and counted in the admin.
    const MAX_SKIP_WARNINGS = 20;
    const reads = new UpcastingReader(store, {
      onSkip: (skipped, count) => {
        if (count <= MAX_SKIP_WARNINGS) logger.log('WARNING', `event store: ${describeSkippedEvent(skipped)}`);
        if (count === MAX_SKIP_WARNINGS) logger.log('WARNING', `event store: further unreadable events are skipped without a message; the admin's snapshot counts them`);
      },
    });
    // Error.log and StreamingServer.log are a projection of the events; the writer runs
    // until the last event of the run (ServerStopped) is in the files.
    const logWriter = new LogFileWriter(logFolder, logger);
    await logWriter.start(reads);
    cleanups.unshift(async () => {
      const last = await store.readAll({ direction: 'backwards', maxCount: 1 }).catch(() => []);
      const drained = logWriter.drainTo(last[0]?.position ?? -1);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await logWriter.stop();
    });
    const journal = await openServerJournal(store, settings.nodeId, { log: (level, message) => logger.console(level, message) });
    journal.record('ServerStarted', {
      nodeId: settings.nodeId,
      version: VERSION,
      hostName: os.hostname(),
      pid: process.pid,
      rtspPorts: settings.rtspPorts,
      settings: adminSettingsOf(settings, logFolder),
    });
    // From here every error-log message is also an ErrorLogged event (those logged so far included).
    logger.recordTo((level, message) => journal.record('ErrorLogged', { level, message: message.length > 4000 ? `${message.slice(0, 3997)}...` : message }));
    let stopReason: 'shutdown' | 'startup-failed' = 'startup-failed';
    cleanups.unshift(async () => {
      logger.recordTo(null);
      journal.record('ServerStopped', { reason: stopReason });
      await journal.flush();
    });
    if (store instanceof OutboxEventStore) {
      // The operator hears when the shared store goes away and comes back; streaming goes on meanwhile.
      let last = '';
      const subscription = store.status$.subscribe((status) => {
        if (status.remote === last) return;
        last = status.remote;
        logger.log(status.remote === 'unreachable' ? 'WARNING' : 'INFO', `event store ${withoutCredentials(eventStoreUrl)}: ${status.remote}, ${status.pending} events waiting${status.lastError ? ` (${status.lastError})` : ''}`);
      });
      cleanups.unshift(() => subscription.unsubscribe());
    }
    let grpc: GrpcEventStoreServer | null = null;
    if (settings.esdbGrpcPort >= 0) {
      grpc = await startGrpcEventStoreServer(store, { host: settings.esdbGrpcAddress, port: settings.esdbGrpcPort });
      const endpoint = grpc;
      cleanups.unshift(() => endpoint.close());
      logger.log('INFO', `event store served over EventStoreDB gRPC at ${grpc.connectionString}`);
    }
    const udp = await UdpPortPairs.bind(settings.listenAddresses, settings.rtpPort, (address, error) =>
      logger.log('WARNING', `no RTP/RTCP port pair on ${address}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`),
    );
    cleanups.unshift(() => udp.close());
    const meter = new ThroughputMeter();
    meter.start();
    cleanups.unshift(() => meter.stop());
    const limits: Limits = { maxConnections: settings.maxConnections, maxThroughputKbps: settings.maxThroughputKbps };
    const scheduler = new PacketScheduler();
    cleanups.unshift(() => scheduler.stop());
    const library = new MovieLibrary(
      new MoviesFolder(settings.moviesFolder),
      (file, box, message) => logger.log('WARNING', `movie ${file} refused at box ${box}: ${message}`),
      (file, message) => logger.log('INFO', `movie ${file}: ${message}`),
    );
    cleanups.unshift(() => library.close());

    const registry = new SessionRegistry(settings.sessionTimeoutSeconds * 1000, settings.sampleIntervalSeconds);
    registry.start();
    const admission = new AdmissionControl(limits, meter, () => registry.size);
    const broadcasts = new BroadcastRegistry(
      store,
      {
        nodeId: settings.nodeId,
        moviesFolder: settings.moviesFolder,
        lostAfterMs: settings.broadcastLostAfterSeconds * 1000,
        graceMs: settings.broadcastGraceSeconds * 1000,
        keepReadersOnLoss: settings.keepReadersOnLoss,
      },
      logger,
    );
    broadcasts.start();
    cleanups.unshift(() => broadcasts.shutdown());
    const multicast = new MulticastOutputs({
      range: settings.multicastGroupRange,
      basePort: settings.multicastBasePort,
      ttl: settings.multicastTtl,
      interfaceAddress: settings.multicastInterface,
    });
    cleanups.unshift(() => multicast.close());
    const sdpFiles = new SdpFileSources(settings.moviesFolder, broadcasts, logger);
    await sdpFiles.start();
    cleanups.unshift(() => sdpFiles.stop());
    const factory = new SessionFactory({
      registry,
      store,
      nodeId: settings.nodeId,
      timeoutSeconds: settings.sessionTimeoutSeconds,
      logger,
      onDemand: { library, udp, admission, meter, scheduler, maxPayloadBytes: settings.maxPayloadBytes, cname: `streamhouse@${settings.nodeId}` },
      broadcasts,
      multicast,
      multicastPaths: settings.multicastPaths,
      liveRefusal: (path) => sdpFiles.refusal(path),
    });
    cleanups.unshift(async () => {
      registry.shutdown();
      await factory.flush();
    });
    const moviesRoot = path.resolve(settings.moviesFolder);
    const authenticator = new Authenticator({
      moviesRoot,
      usersFile: settings.usersFile,
      groupsFile: settings.groupsFile,
      policy: {
        guestAccess: settings.guestAccess,
        defaultScheme: settings.authenticationScheme,
        authenticateLocalBroadcasts: settings.authenticateLocalBroadcasts,
        broadcastAllowList: settings.broadcastAllowList,
      },
      log: (level, message) => logger.log(level, message),
      // qtaccess, qtusers and qtgroups are stat'ed at most once a second each, not on every request.
      fileRecheckMs: FILE_RECHECK_MS,
    });
    const access = new AccessGate(authenticator, moviesRoot, (event) => journal.record(event.type, event.data));
    const router = new RequestRouter({
      access,
      registry,
      createSession: (connection, target, request) => factory.create(connection, target, request),
      serverHeader: SERVER_HEADER,
      tunnels: new TunnelRegistry(SERVER_HEADER),
      timeoutSeconds: settings.sessionTimeoutSeconds,
      logger,
    });

    const listeners: net.Server[] = [];
    const connections = new Set<net.Socket>();
    const bound: Array<{ address: string; port: number }> = [];
    // Port 0 (any free port) may be asked for more than once; real ports only once each.
    const wanted = [...settings.rtspPorts, ...(settings.streamingOnPort80 ? [80] : [])];
    const ports = wanted.filter((port, i) => port === 0 || wanted.indexOf(port) === i);
    for (const address of settings.listenAddresses) {
      for (const port of ports) {
        const server = net.createServer((socket) => {
          connections.add(socket);
          socket.on('close', () => connections.delete(socket));
          new RtspConnection(socket, router);
        });
        try {
          bound.push({ address, port: await listen(server, port, address) });
          listeners.push(server);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? String(error);
          const why = code === 'EACCES' ? 'ports below 1024 need privilege' : code === 'EADDRINUSE' ? 'another program (a web server?) holds it' : code;
          logger.log('WARNING', `RTSP port ${port} on ${address} not bound: ${code} (${why})${port === 80 ? '; streaming on port 80 is off until it can be bound' : ''}`);
        }
      }
    }
    if (bound.length === 0) throw new Error(`no RTSP port could be bound (tried ${ports.join(', ')} on ${settings.listenAddresses.join(', ')})`);
    cleanups.unshift(async () => {
      for (const socket of connections) socket.destroy();
      await Promise.all(listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    });
    const where = bound.map((b) => `${b.address.includes(':') ? `[${b.address}]` : b.address}:${b.port}`).join(', ');
    logger.log('INFO', `Streamhouse ${VERSION} started: RTSP on ${where}; RTP/RTCP on UDP ${udp.ports}`);

    let admin: AdminServer | null = null;
    if (options.admin ?? true) {
      const storeStatus = eventStoreStatusReader({ store, folder: path.join(settings.dataFolder, 'events'), connectionString: eventStoreUrl, unreadableEvents: () => reads.skipped });
      const gauges = new ProcessGauges(() => meter.currentKbps, storeStatus);
      gauges.start();
      const views = new LiveViews(() => gauges.read());
      void views.start(reads).catch((error: unknown) => logger.log('WARNING', `admin views stopped: ${error instanceof Error ? error.message : String(error)}`));
      cleanups.unshift(() => {
        views.stop();
        gauges.stop();
      });
      try {
        admin = await startAdminServer({
          events: reads,
          views,
          journal,
          logger,
          limits,
          settings: adminSettingsOf(settings, logFolder),
          dataFolder: settings.dataFolder,
          moviesFolder: settings.moviesFolder,
          rtspPorts: () => bound.map((b) => b.port),
          uiFolder: adminUiFolder(),
          listenAddresses: settings.listenAddresses,
          port: settings.adminPort,
          ...(options.commandLine ? { commandLine: options.commandLine } : {}),
        });
        const server = admin;
        cleanups.unshift(() => server.close());
      } catch (error) {
        logger.log('WARNING', `web admin not started: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    stopReason = 'shutdown';

    let closing: Promise<void> | null = null;
    return {
      listening: bound,
      limits,
      esdbEndpoint: grpc?.connectionString ?? null,
      store,
      registry,
      admin: admin ? { port: admin.port, addresses: admin.addresses } : null,
      logFolder,
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
    // '::' is IPv6-only so that '0.0.0.0' can listen on the same port.
    server.listen({ port, host: address, ipv6Only: address.includes(':') }, () => {
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
