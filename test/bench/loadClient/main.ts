import { performance } from 'node:perf_hooks';
import { IngestLatency } from './ingestLatency.js';
import { IngestProbe } from './ingestProbe.js';
import type { ClientSnapshot, LoadCommand, LoadReply, LoadRequest } from './protocol.js';
import { ReaderFleet } from './readerFleet.js';
import { RtspClientConnection } from './rtspClientConnection.js';
import { runSetupRate } from './setupRateDriver.js';
import { UdpReceiverHelper } from './udpReceiverHelper.js';

/**
 * The load client: a child process of the bench runner, pinned to its own core, that
 * plays the part of many RTSP players at once. It does what the runner asks over the
 * IPC channel and answers with plain JSON. It exits when the runner goes away.
 */
if (!process.send) {
  process.stderr.write('the load client runs as a child of the bench runner (test/bench/bench.ts)\n');
  process.exit(2);
}

// `--udp-helper <path>`: the udpReceiver binary the bench built (absent: Node receives UDP).
const helperIndex = process.argv.indexOf('--udp-helper');
const helperPath = helperIndex > 0 ? process.argv[helperIndex + 1] : undefined;
const latency = new IngestLatency();
const fleet = new ReaderFleet(latency, helperPath ? UdpReceiverHelper.start(helperPath) : null);
let probe: IngestProbe | null = null;

async function handle(command: LoadCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'open':
      return fleet.open(command);
    case 'closeAll':
      return fleet.closeAll();
    case 'snapshot':
      return await snapshot();
    case 'setupRate':
      return runSetupRate(command);
    case 'startIngestProbe':
      await probe?.close();
      latency.clear();
      probe = await IngestProbe.start(command.serverPort, latency);
      return { port: probe.port };
    case 'stopIngestProbe':
      await probe?.close();
      probe = null;
      latency.clear();
      return null;
    case 'probeAnnounce':
      return probeAnnounce(command.port, command.url, command.sdp);
    case 'describe':
      return describe(command.port, command.url);
    case 'exit':
      setImmediate(shutdown);
      return null;
  }
}

async function snapshot(): Promise<ClientSnapshot> {
  const counters = await fleet.snapshot();
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const helperCpu = fleet.helper?.cpuSeconds() ?? { user: 0, system: 0 };
  return {
    atMs: performance.now(),
    ...counters,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    helperCpuUserUs: helperCpu.user * 1e6,
    helperCpuSystemUs: helperCpu.system * 1e6,
    udpHelper: fleet.helper !== null,
    loopActiveMs: loop.active,
    loopIdleMs: loop.idle,
    latencyMs: latency.takePercentiles(),
    ingestPackets: latency.ingestPackets,
  };
}

/** ANNOUNCE a small SDP to see whether the server takes publishers at all; TEARDOWN if it did. */
async function probeAnnounce(port: number, url: string, sdp: string): Promise<{ status: number; reason: string }> {
  const c = await RtspClientConnection.connect(port);
  try {
    const res = await c.request('ANNOUNCE', url, [['Content-Type', 'application/sdp']], sdp);
    if (res.status >= 200 && res.status < 300) await c.request('TEARDOWN', url).catch(() => null);
    return { status: res.status, reason: res.reason };
  } finally {
    c.close();
  }
}

async function describe(port: number, url: string): Promise<{ status: number; sdp: string }> {
  const c = await RtspClientConnection.connect(port);
  try {
    const res = await c.request('DESCRIBE', url, [['Accept', 'application/sdp']]);
    return { status: res.status, sdp: res.body.toString('utf8') };
  } finally {
    c.close();
  }
}

function shutdown(): void {
  fleet.stop();
  void probe?.close();
  process.exit(0);
}

process.on('message', (message: LoadRequest) => {
  handle(message.command).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The runner is gone (crashed, killed): nothing left to measure for.
process.on('disconnect', shutdown);

function reply(message: LoadReply): void {
  process.send?.(message);
}
