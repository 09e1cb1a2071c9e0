import assert from 'node:assert/strict';
import net from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { MessageParser } from '../../../domain/rtsp/messageParser.js';
import { response } from '../../../domain/rtsp/rtspMessage.js';
import { RtspConnection, type RequestHandler } from '../../../adapters/rtsp/rtspConnection.js';
import { sleep } from '../../helpers/rtspTestClient.js';

/**
 * Interleaved frames leave a connection in batches, and a batch's buffer is reused for
 * the next window when the kernel took the last write whole. These tests read what the
 * server side really wrote on a loopback socket: every frame, in order, byte for byte,
 * both when writes complete at once and when the client stops reading (so Node must
 * hold the written buffers) and then catches up.
 */
const handler: RequestHandler = {
  handle: async () => response(200),
  http: () => {},
  decorate: (_request, res) => res,
  connectionClosed: () => {},
  protocolError: () => {},
};

/** A payload that names its own number, so a frame overwritten by a later one shows. */
function payload(n: number, size: number): Buffer {
  const bytes = Buffer.alloc(size, n & 0xff);
  bytes.writeUInt32BE(n, 0);
  return bytes;
}

interface Received {
  readonly frames: Array<{ channel: number; payload: Buffer }>;
  /** Anything in the byte stream that is not a frame: a torn or overwritten stream. */
  readonly problems: string[];
}

/** Collects the interleaved frames a client socket receives, as (channel, payload). */
function frameCollector(socket: net.Socket): Received {
  const parser = new MessageParser();
  const received: Received = { frames: [], problems: [] };
  socket.on('data', (chunk: Buffer) => {
    for (const item of parser.push(chunk)) {
      if (item.kind === 'interleaved') received.frames.push({ channel: item.channel, payload: Buffer.from(item.payload) });
      else received.problems.push(`unexpected ${item.kind} after frame ${received.frames.length}`);
    }
  });
  return received;
}

describe('interleaved batches', () => {
  let server: net.Server;
  let port = 0;
  let accept: (c: RtspConnection) => void = () => {};
  /** Both ends of every connection a test made, destroyed after it whatever its outcome. */
  const sockets = new Set<net.Socket>();

  before(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      accept(new RtspConnection(socket, handler));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(() => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });
  after(() => server.close());

  async function connectPair(): Promise<{ client: net.Socket; connection: RtspConnection }> {
    const accepted = new Promise<RtspConnection>((resolve) => (accept = resolve));
    const client = net.connect(port, '127.0.0.1');
    sockets.add(client);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    return { client, connection: await accepted };
  }

  async function until(condition: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await sleep(5);
    }
  }

  it('delivers every frame of many windows in order when each write completes at once', async () => {
    const { client, connection } = await connectPair();
    const { frames, problems } = frameCollector(client);
    const header = Buffer.from([0x80, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let sent = 0;
    // 40 windows of a few frames each, sizes varying so the batch grows and is reused.
    for (let window = 0; window < 40; window++) {
      for (let i = 0; i < 1 + (window % 7); i++) {
        connection.writeInterleaved(sent % 2 === 0 ? 0 : 2, header, [payload(sent, 100 + ((sent * 397) % 3000))]);
        sent++;
      }
      await sleep(4);
    }
    await until(() => frames.length >= sent || problems.length > 0, 5000);
    assert.deepEqual(problems, []);
    assert.equal(frames.length, sent);
    frames.forEach((frame, n) => {
      assert.equal(frame.channel, n % 2 === 0 ? 0 : 2);
      assert.deepEqual(frame.payload.subarray(0, 12), header);
      assert.deepEqual(frame.payload.subarray(12), payload(n, 100 + ((n * 397) % 3000)), `frame ${n}`);
    });
  });

  it('keeps frames written while the client is not reading intact until it catches up', async () => {
    const { client, connection } = await connectPair();
    client.pause();
    const header = Buffer.alloc(12, 0x11);
    let sent = 0;
    // Write windows until Node itself holds bytes (the kernel's buffers are full), then
    // several windows more: those batches must not be reused while they wait.
    let windowsAfterBackup = 0;
    for (let window = 0; window < 2000 && windowsAfterBackup < 10; window++) {
      for (let i = 0; i < 20; i++) {
        connection.writeInterleaved(0, header, [payload(sent, 1400)]);
        sent++;
      }
      await sleep(3);
      if (!connection.canWrite() || windowsAfterBackup > 0) windowsAfterBackup++;
    }
    assert.ok(windowsAfterBackup >= 10, 'the client stopped reading long enough for Node to queue writes');
    const { frames, problems } = frameCollector(client);
    client.resume();
    await until(() => frames.length >= sent || problems.length > 0, 10_000);
    assert.deepEqual(problems, []);
    assert.equal(frames.length, sent);
    frames.forEach((frame, n) => assert.deepEqual(frame.payload.subarray(12), payload(n, 1400), `frame ${n}`));
  });
});
