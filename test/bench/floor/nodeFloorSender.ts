import dgram from 'node:dgram';
import net from 'node:net';

/**
 * The `loopback-floor` scenario's Node senders: what the plainest Node program pays
 * per RTP-sized packet on this machine, with no project code in the process.
 *
 *   dgram <rate> <bytes> <warmup-ms> <measure-ms> <port>...
 *     one bound UDP socket; `socket.send(packet, port, '127.0.0.1')` to every port in
 *     turn, one burst of one datagram per port every ports/rate seconds (as a live
 *     stream fans one incoming packet out to every reader);
 *   tcp <rate> <bytes> <warmup-ms> <measure-ms> <batch> <reader-port> <connections>
 *     `connections` loopback TCP connections (no Nagle, like the server's), and one
 *     `socket.write` per connection per burst carrying `batch` packets framed as RTSP
 *     interleaved data ('$', channel, 16-bit length), bursts paced to `rate` packets a
 *     second overall.
 *
 * The same packet buffer is sent every time (no allocation per packet). A burst due
 * more than one interval ago is dropped rather than sent late (as udpFloorSender.c).
 * After the warm-up it prints "measuring", then after the window one line
 *   result packets=<n> user_us=<n> sys_us=<n> wall_us=<n> sent=<n> errors=<n> behind_us=<n> dropped_bursts=<n> queued_bytes=<n>
 * (CPU from process.cpuUsage(), i.e. getrusage over every thread, packets, the latest
 * a burst went out and bursts dropped, for the window; sent and errors over the whole
 * run; bytes still queued in Node at the end) and exits.
 */
const [mode, rateText, bytesText, warmupText, measureText, ...rest] = process.argv.slice(2);
const rate = Number(rateText);
const bytes = Number(bytesText);
const warmupMs = Number(warmupText);
const measureMs = Number(measureText);
if ((mode !== 'dgram' && mode !== 'tcp') || !(rate > 0) || !(bytes >= 12) || !(warmupMs >= 0) || !(measureMs > 0)) {
  process.stderr.write('usage: nodeFloorSender dgram|tcp <rate> <bytes> <warmup-ms> <measure-ms> …\n');
  process.exit(2);
}

/** An RTP-looking datagram: version 2, payload type 96; receivers read only the header. */
function rtpPacket(size: number): Buffer {
  const packet = Buffer.alloc(size, 0xab);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.fill(0, 2, 12);
  return packet;
}

interface Sender {
  /** Units (datagrams or framed packets) per burst. */
  readonly perBurst: number;
  burst(): void;
  /** Sent so far, errors so far, bytes waiting in user space. */
  counts(): { sent: number; errors: number; queuedBytes: number };
}

async function udpSender(ports: readonly number[]): Promise<Sender> {
  const socket = dgram.createSocket('udp4');
  let errors = 0;
  socket.on('error', () => errors++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const packet = rtpPacket(bytes);
  let sent = 0;
  return {
    perBurst: ports.length,
    burst() {
      for (const port of ports) socket.send(packet, port, '127.0.0.1');
      sent += ports.length;
    },
    counts: () => ({ sent, errors, queuedBytes: socket.getSendQueueSize() }),
  };
}

async function tcpSender(batch: number, readerPort: number, connections: number): Promise<Sender> {
  const packet = rtpPacket(bytes);
  const framed = Buffer.alloc(batch * (4 + bytes));
  for (let i = 0; i < batch; i++) {
    const at = i * (4 + bytes);
    framed[at] = 0x24;
    framed[at + 1] = 0;
    framed.writeUInt16BE(bytes, at + 2);
    packet.copy(framed, at + 4);
  }
  let errors = 0;
  const sockets: net.Socket[] = [];
  for (let opened = 0; opened < connections; opened += 64) {
    const group = Array.from({ length: Math.min(64, connections - opened) }, () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ port: readerPort, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
        socket.once('error', reject);
      }),
    );
    for (const socket of await Promise.all(group)) {
      socket.removeAllListeners('error');
      socket.on('error', () => errors++);
      sockets.push(socket);
    }
  }
  let sent = 0;
  return {
    perBurst: connections * batch,
    burst() {
      for (const socket of sockets) socket.write(framed);
      sent += connections * batch;
    },
    counts: () => ({ sent, errors, queuedBytes: sockets.reduce((sum, s) => sum + s.writableLength, 0) }),
  };
}

async function main(): Promise<void> {
  const sender =
    mode === 'dgram'
      ? await udpSender(rest.map(Number))
      : await tcpSender(Number(rest[0]), Number(rest[1]), Number(rest[2]));
  const burstMs = (1000 * sender.perBurst) / rate;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + measureMs;
  let next = start;
  let behindMs = 0;
  let droppedBursts = 0;
  // Set inside the pacing callback (an object, so the compiler does not narrow it to null).
  const at: { window: { cpu: NodeJS.CpuUsage; wall: number; sent: number } | null } = { window: null };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const t = performance.now();
      if (at.window === null && t >= measureFrom) {
        process.stdout.write('measuring\n');
        at.window = { cpu: process.cpuUsage(), wall: performance.now(), sent: sender.counts().sent };
      }
      if (t >= end) {
        resolve();
        return;
      }
      if (t < next) {
        setTimeout(tick, Math.ceil(next - t));
        return;
      }
      if (at.window !== null) behindMs = Math.max(behindMs, t - next);
      if (t - next > burstMs) {
        // Starved of the CPU: keep the pace, do not catch up.
        const missed = Math.floor((t - next) / burstMs);
        if (at.window !== null) droppedBursts += missed;
        next += missed * burstMs;
      }
      sender.burst();
      next += burstMs;
      setImmediate(tick);
    };
    tick();
  });
  const window = at.window!;
  const cpu = process.cpuUsage(window.cpu);
  const wallUs = Math.round((performance.now() - window.wall) * 1000);
  const { sent, errors, queuedBytes } = sender.counts();
  process.stdout.write(
    `result packets=${sent - window.sent} user_us=${cpu.user} sys_us=${cpu.system} wall_us=${wallUs} sent=${sent} errors=${errors} ` +
      `behind_us=${Math.round(behindMs * 1000)} dropped_bursts=${droppedBursts} queued_bytes=${queuedBytes}\n`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`nodeFloorSender: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
