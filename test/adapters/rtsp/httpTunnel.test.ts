import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { response } from '../../../domain/rtsp/rtspMessage.js';
import { TunnelRegistry } from '../../../adapters/rtsp/httpTunnel.js';
import { RtspConnection, type RequestHandler } from '../../../adapters/rtsp/rtspConnection.js';
import { sleep } from '../../helpers/rtspTestClient.js';

/** Half-open tunnels (a GET or POST that never pairs) are closed after the pairing timeout. */
describe('HTTP tunnel pairing timeout', () => {
  let server: net.Server;
  let port = 0;
  const tunnels = new TunnelRegistry('Test', 300);
  const handler: RequestHandler = {
    handle: async () => response(200),
    http: (connection, request) => tunnels.handle(connection, request),
    decorate: (_request, res) => res,
    connectionClosed: () => {},
    protocolError: () => {},
  };

  before(async () => {
    server = net.createServer((socket) => new RtspConnection(socket, handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  const closedWithin = (socket: net.Socket, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  for (const method of ['GET', 'POST']) {
    it(`closes a lone ${method} after the timeout`, async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`${method} /x HTTP/1.0\r\nx-sessioncookie: lone${method}\r\n${method === 'POST' ? 'Content-Length: 32767\r\n' : ''}\r\n`);
      await sleep(50);
      assert.equal(socket.destroyed, false, 'still open before the timeout');
      assert.ok(await closedWithin(socket, 2000), 'closed after the timeout');
    });
  }

  it('refuses HTTP without a session cookie', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(await closedWithin(socket, 2000));
    assert.match(text, /^HTTP\/1\.0 400 Bad Request/);
  });
});
