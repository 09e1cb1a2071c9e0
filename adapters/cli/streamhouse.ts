#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseSettings, type Settings } from '../../domain/settings.js';
import { startServer } from '../main.js';
import { VERSION } from '../serverIdentity.js';
import { runEventsCommand } from './eventsCommand.js';
import { runLogsCommand } from './logsCommand.js';
import { systemdUnit } from '../admin/systemdUnit.js';

/**
 * `streamhouse [flags]`: runs the server. Settings come from defaults, then the
 * config file, then flags; all pass the settings schema, and a bad one is a one-line
 * error naming it, with exit code 2.
 */
const HELP = `Usage: streamhouse [options]
       streamhouse events <streams|tail|export|replay> [options]   (streamhouse events --help)
       streamhouse logs rebuild [--data <dir>] [--out <dir>]         regenerate Error.log and StreamingServer.log
       streamhouse systemd-unit [options]      print a systemd unit that runs the server with these options

Runs the Streamhouse RTSP/RTP streaming server.

Options:
  --rtsp-port <n>        RTSP port to listen on (repeatable; default 554 and 8554)
  --rtp-port <n>         first port of the shared server RTP/RTCP pair (even; 0 = any free pair; default 6970)
  --listen <address>     address to listen on (repeatable; default 0.0.0.0 and ::)
  --port-80              also stream on port 80 (RTSP and RTSP over HTTP)
  --max-connections <n>  new sessions past this many get 453 (-1 = no limit; default 1000)
  --max-throughput-kbps <n>  new sessions past this throughput get 453 (-1 = no limit; default 102400)
  --movies <dir>         movies folder (default ./movies)
  --data <dir>           data folder for the event store (default ./data)
  --admin-port <n>       web admin port (default 1220; 0 = any free port)
  --log-folder <dir>     where Error.log and StreamingServer.log go (default <data>/logs)
  --sample-interval <s>  sessions record their counters this often, for the live views (default 10)
  --session-timeout <s>  RTSP session timeout advertised to clients (default 60)
  --node-id <name>       name of this server in events (default local)
  --broadcast-lost-after <s>  a live source silent this long is lost (default 10)
  --broadcast-grace <s>  readers of a lost source end this much later (default 10)
  --auth-scheme <s>      digest, basic or none, where a qtaccess names none (default digest)
  --users-file <file>    qtusers file (default /etc/streaming/qtusers)
  --groups-file <file>   qtgroups file (default /etc/streaming/qtgroups)
  --eventstore-url <url> also keep events in EventStoreDB (esdb://host:2113?tls=false); or EVENTSTORE_URL
  --esdb-grpc-port <n>   serve the event store over EventStoreDB's gRPC API on loopback (0 = any port)
  --config <file>        JSON file of settings (keys as in domain/settings.ts)
  --repair-event-store   open a damaged event store, dropping what follows the last good record
  --version              print the version
  --help                 print this help
`;

function fail(message: string): never {
  process.stderr.write(`streamhouse: ${message}\n`);
  process.exit(2);
}

function integer(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) fail(`setting ${flag}: expected a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function settingsFromArgs(argv: string[]): Settings {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        'rtsp-port': { type: 'string', multiple: true },
        'rtp-port': { type: 'string' },
        listen: { type: 'string', multiple: true },
        'port-80': { type: 'boolean' },
        'max-connections': { type: 'string' },
        'max-throughput-kbps': { type: 'string' },
        movies: { type: 'string' },
        data: { type: 'string' },
        'admin-port': { type: 'string' },
        'log-folder': { type: 'string' },
        'sample-interval': { type: 'string' },
        'session-timeout': { type: 'string' },
        'node-id': { type: 'string' },
        config: { type: 'string' },
        'broadcast-lost-after': { type: 'string' },
        'auth-scheme': { type: 'string' },
        'eventstore-url': { type: 'string' },
        'esdb-grpc-port': { type: 'string' },
        'users-file': { type: 'string' },
        'groups-file': { type: 'string' },
        'broadcast-grace': { type: 'string' },
        'repair-event-store': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (values.version) {
    process.stdout.write(`streamhouse ${VERSION}\n`);
    process.exit(0);
  }
  let fromFile: Record<string, unknown> = {};
  if (values.config !== undefined) {
    try {
      const json: unknown = JSON.parse(readFileSync(values.config, 'utf8'));
      if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`config ${values.config}: expected a JSON object`);
      fromFile = json as Record<string, unknown>;
    } catch (error) {
      fail(`config ${values.config}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const input: Record<string, unknown> = { ...fromFile };
  if (values['rtsp-port']) input.rtspPorts = values['rtsp-port'].map((p) => integer('rtspPorts', p));
  if (values['rtp-port'] !== undefined) input.rtpPort = integer('rtpPort', values['rtp-port']);
  if (values.listen !== undefined) input.listenAddresses = values.listen;
  if (values['port-80']) input.streamingOnPort80 = true;
  if (values['max-connections'] !== undefined) input.maxConnections = integer('maxConnections', values['max-connections']);
  if (values['max-throughput-kbps'] !== undefined) input.maxThroughputKbps = integer('maxThroughputKbps', values['max-throughput-kbps']);
  if (values.movies !== undefined) input.moviesFolder = values.movies;
  if (values.data !== undefined) input.dataFolder = values.data;
  if (values['admin-port'] !== undefined) input.adminPort = integer('adminPort', values['admin-port']);
  if (values['log-folder'] !== undefined) input.logFolder = values['log-folder'];
  if (values['sample-interval'] !== undefined) input.sampleIntervalSeconds = integer('sampleIntervalSeconds', values['sample-interval']);
  if (values['session-timeout'] !== undefined) input.sessionTimeoutSeconds = integer('sessionTimeoutSeconds', values['session-timeout']);
  if (values['node-id'] !== undefined) input.nodeId = values['node-id'];
  if (values['repair-event-store']) input.repairEventStore = true;
  if (values['eventstore-url'] !== undefined) input.eventStoreUrl = values['eventstore-url'];
  if (values['esdb-grpc-port'] !== undefined) input.esdbGrpcPort = integer('esdbGrpcPort', values['esdb-grpc-port']);
  if (values['auth-scheme'] !== undefined) input.authenticationScheme = values['auth-scheme'];
  if (values['users-file'] !== undefined) input.usersFile = values['users-file'];
  if (values['groups-file'] !== undefined) input.groupsFile = values['groups-file'];
  if (values['broadcast-lost-after'] !== undefined) input.broadcastLostAfterSeconds = integer('broadcastLostAfterSeconds', values['broadcast-lost-after']);
  if (values['broadcast-grace'] !== undefined) input.broadcastGraceSeconds = integer('broadcastGraceSeconds', values['broadcast-grace']);
  const result = parseSettings(input);
  if (!result.ok) fail(result.errors[0]!);
  return result.settings;
}

function displayHost(listenAddress: string): string {
  if (listenAddress !== '0.0.0.0' && listenAddress !== '::') return listenAddress.includes(':') ? `[${listenAddress}]` : listenAddress;
  // A wildcard: show an address a viewer elsewhere could use.
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function main(): Promise<void> {
  if (process.argv[2] === 'events') {
    process.exitCode = await runEventsCommand(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'logs') {
    process.exitCode = await runLogsCommand(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'systemd-unit') {
    const args = process.argv.slice(3);
    settingsFromArgs(args); // The same checks as a real start: a unit with a bad flag would fail at boot.
    process.stdout.write(systemdUnit(args));
    return;
  }
  const settings = settingsFromArgs(process.argv.slice(2));
  let server;
  try {
    server = await startServer(settings, { commandLine: process.argv.slice(2) });
  } catch (error) {
    process.stderr.write(`streamhouse: FATAL: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  for (const { address, port } of server.listening) process.stdout.write(`rtsp listening on ${address} port ${port}\n`);
  if (server.esdbEndpoint) process.stdout.write(`event store gRPC endpoint: ${server.esdbEndpoint}\n`);
  if (server.admin) {
    process.stdout.write(`admin listening on port ${server.admin.port}\n`);
    const local = server.admin.addresses.some((a) => a === '0.0.0.0' || a.startsWith('127.')) ? '127.0.0.1' : displayHost(server.admin.addresses[0]!);
    process.stdout.write(`Web admin: http://${local}:${server.admin.port}/ (user streamingadmin)\n`);
  }
  const play = server.listening.find((l) => l.port === 8554) ?? server.listening[0]!;
  process.stdout.write(`Play the sample movie: rtsp://${displayHost(play.address)}:${play.port}/sample.mp4\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      // A second Ctrl-C or SIGTERM: the operator will not wait for a graceful stop.
      process.stderr.write('streamhouse: stopping now, without waiting for sessions to close\n');
      process.exit(1);
    }
    stopping = true;
    // A graceful stop ends sessions and flushes the event store and logs; it must not
    // leave a half-stopped server running (seen once under a heap snapshot of 400 sessions).
    // Not unref'd: if the stop never settles, this timer is what ends the process (exit 1).
    setTimeout(() => {
      process.stderr.write(`streamhouse: graceful stop took over ${STOP_DEADLINE_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`streamhouse: stop failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** How long a graceful stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 15_000;

void main();
