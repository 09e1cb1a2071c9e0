import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MessageParser } from '../../domain/rtsp/messageParser.js';
import type { RtspResponseMessage } from '../../domain/rtsp/rtspMessage.js';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * Issue 8's proofs: RTSP tunnelled over HTTP on every port, 453 limits, IPv6, and
 * QuickTime's OPTIONS speed test.
 */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');
let local: FrameHashes;

function assertBitExact(remote: FrameHashes, label: string): void {
  assert.equal(remote.code, 0, `${label}: ${remote.stderr}`);
  assert.deepEqual(remote.streams, local.streams, label);
}

describe('reach and limits', { skip }, () => {
  before(async () => {
    local = await frameMd5(['-i', sampleFile]);
  });

  describe('RTSP over HTTP', () => {
    let server: ServerProcess;
    before(async () => {
      server = await startServerProcess({ args: ['--rtsp-port', '0'] }); // a second port beside the helper's own
      assert.equal(server.ports.length, 2);
    });
    after(async () => server?.cleanup());

    it('plays bit-exact tunnelled through ffmpeg on both configured ports', async () => {
      const [first, second] = await Promise.all(
        server.ports.map((port) => frameMd5(['-rtsp_transport', 'http', '-i', `rtsp://127.0.0.1:${port}/sample.mp4`])),
      );
      assertBitExact(first!, 'first port');
      assertBitExact(second!, 'second port');
    });

    it('pairs a POST sent before its GET, base64 split mid-quantum, two requests in one chunk, and refuses UDP inside', async () => {
      const cookie = `cookie${Date.now()}`;
      const url = server.url('sample.mp4');
      const post = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => post.once('connect', resolve));
      post.write(`POST /sample.mp4 HTTP/1.0\r\nx-sessioncookie: ${cookie}\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n`);
      const requests =
        `OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\n\r\n` + `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n`;
      const encoded = Buffer.from(requests).toString('base64');
      // Split inside a 4-character quantum, and send the first part before the GET exists.
      post.write(encoded.slice(0, 10));
      await sleep(100);

      const get = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => get.once('connect', resolve));
      let received = Buffer.alloc(0);
      get.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
      get.write(`GET /sample.mp4 HTTP/1.0\r\nx-sessioncookie: ${cookie}\r\nAccept: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\r\n`);
      await sleep(100);
      post.write(encoded.slice(10, 23));
      post.write(encoded.slice(23));
      const responses = async (count: number): Promise<RtspResponseMessage[]> => {
        for (let i = 0; i < 50; i++) {
          const parsed = new MessageParser().push(received).filter((item) => item.kind === 'response');
          if (parsed.length >= count) return parsed.map((item) => (item.kind === 'response' ? item.response : null)!);
          await sleep(100);
        }
        throw new Error(`only got: ${received.toString('latin1').slice(0, 500)}`);
      };
      const [http, options, describe] = await responses(3);
      assert.equal(http!.version, 'HTTP/1.0');
      assert.equal(http!.status, 200);
      assert.equal(http!.headers.get('Content-Type'), 'application/x-rtsp-tunnelled');
      assert.equal(http!.headers.get('Cache-Control'), 'no-store');
      assert.equal(http!.headers.get('Pragma'), 'no-cache');
      assert.equal(options!.status, 200);
      assert.equal(options!.headers.get('CSeq'), '1');
      assert.equal(describe!.status, 200);
      assert.equal(describe!.headers.get('CSeq'), '2');
      assert.match(describe!.body.toString(), /^v=0/);

      post.write(Buffer.from(`SETUP ${url}/trackID=1 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n`).toString('base64'));
      const setup = (await responses(4))[3]!;
      assert.equal(setup.status, 461, 'UDP is refused inside a tunnel');
      post.destroy();
      get.destroy();
    });
  });

  describe('limits', () => {
    it('gives the 4th client 453 when max connections is 3, while the first 3 stay bit-exact', async () => {
      const server = await startServerProcess({ args: ['--max-connections', '3'] });
      try {
        const players = [0, 1, 2].map((i) => frameMd5(['-rtsp_transport', i === 1 ? 'tcp' : 'udp', '-i', server.url('sample.mp4')]));
        await sleep(1500);
        const fourth = await RtspTestClient.connect(server.port);
        const refused = await fourth.request('DESCRIBE', server.url('sample.mp4'));
        assert.equal(refused.status, 453);
        assert.equal(refused.headers.get('Session'), undefined);
        fourth.close();
        (await Promise.all(players)).forEach((remote, i) => assertBitExact(remote, `client ${i}`));
        await server.stop();
        const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
        try {
          const refusals = await store.readAll({ filter: { eventTypes: ['SessionRequestRefused'] } });
          assert.equal(refusals.length, 1);
          assert.equal((refusals[0]!.data as { status: number }).status, 453);
        } finally {
          await store.close();
        }
      } finally {
        await server.cleanup();
      }
    });

    it('gives the second client 453 when max throughput is below two streams', async () => {
      // The sample is about 250 kbit/s: one fits under 400, two do not.
      const server = await startServerProcess({ args: ['--max-throughput-kbps', '400'] });
      try {
        const first = frameMd5(['-rtsp_transport', 'tcp', '-i', server.url('sample.mp4')]);
        await sleep(2500);
        const second = await RtspTestClient.connect(server.port);
        const res = await second.request('DESCRIBE', server.url('sample.mp4'));
        assert.equal(res.status, 453);
        second.close();
        assertBitExact(await first, 'first client');
      } finally {
        await server.cleanup();
      }
    });
  });

  describe('IPv6 and the speed test', () => {
    let server: ServerProcess;
    before(async () => {
      server = await startServerProcess({ args: ['--listen', '::1'] });
    });
    after(async () => server?.cleanup());

    it('plays bit-exact over [::1] by UDP, TCP and HTTP', async () => {
      const url = server.url('sample.mp4', '[::1]');
      const results = await Promise.all(['udp', 'tcp', 'http'].map((t) => frameMd5(['-rtsp_transport', t, '-i', url])));
      results.forEach((remote, i) => assertBitExact(remote, ['udp', 'tcp', 'http'][i]!));
    });

    it('answers Require: x-Random-Data-Size with that many random bytes, at most 256 KB', async () => {
      const client = await RtspTestClient.connect(server.port, '::1');
      const small = await client.request('OPTIONS', server.url('sample.mp4', '[::1]'), { Require: 'x-Random-Data-Size', 'x-Random-Data-Size': '1500' });
      assert.equal(small.status, 200);
      assert.equal(small.headers.get('Content-Type'), 'application/x-random-data');
      assert.equal(small.body.length, 1500);
      const huge = await client.request('OPTIONS', server.url('sample.mp4', '[::1]'), { Require: 'x-Random-Data-Size', 'x-Random-Data-Size': '10000000' });
      assert.equal(huge.body.length, 256 * 1024);
      client.close();
    });
  });
});
