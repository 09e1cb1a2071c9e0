import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateEvent } from '../../domain/events/catalogue.js';
import { parseRtpInfo } from '../../domain/rtsp/headers/rtpInfo.js';
import { parseTransportList } from '../../domain/rtsp/headers/transport.js';
import { openEmbeddedEventStore } from '../../eventstore/embedded/index.js';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';

/**
 * Raw-socket checks of the session life: SDP and header shapes, PAUSE/PLAY with
 * RTP-Info, keepalives, the UDP inactivity timeout, and the events each session leaves.
 */
const TIMEOUT_SECONDS = 2;

function rtpSeq(payload: Buffer): number {
  return payload.readUInt16BE(2);
}

async function bindPair(): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 10000);
    const rtp = dgram.createSocket('udp4');
    const rtcp = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        rtp.once('error', reject);
        rtp.bind(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve, reject) => {
        rtcp.once('error', reject);
        rtcp.bind(port + 1, '127.0.0.1', () => resolve());
      });
      return { rtp, rtcp, port };
    } catch {
      rtp.close();
      rtcp.close();
    }
  }
  throw new Error('no free UDP pair');
}

/** A minimal RTCP receiver report (RFC 3550 §6.4.2) with no report blocks. */
function receiverReport(ssrc: number): Buffer {
  const packet = Buffer.alloc(8);
  packet[0] = 0x80;
  packet[1] = 201;
  packet.writeUInt16BE(1, 2);
  packet.writeUInt32BE(ssrc, 4);
  return packet;
}

describe('session lifecycle on the wire', () => {
  let server: ServerProcess;
  const sessions: Record<string, string> = {};

  before(async () => {
    server = await startServerProcess({ args: ['--session-timeout', String(TIMEOUT_SECONDS)] });
  });

  after(async () => {
    await server?.cleanup();
  });

  it('describes, plays over TCP, pauses and resumes with a correct RTP-Info, tears down', async () => {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    const options = await client.request('OPTIONS', url);
    assert.equal(options.status, 200);
    for (const method of ['DESCRIBE', 'SETUP', 'PLAY', 'PAUSE', 'TEARDOWN', 'GET_PARAMETER']) {
      assert.match(options.headers.get('Public') ?? '', new RegExp(`\\b${method}\\b`));
    }
    assert.match(options.headers.get('Server') ?? '', /^Streamhouse\/\S+ \(Build\/.*; Platform\/.*; Release\/.*; State\/.*; \)$/);

    const describe = await client.request('DESCRIBE', url, { Accept: 'application/sdp' });
    assert.equal(describe.status, 200);
    assert.equal(describe.headers.get('Content-Type'), 'application/sdp');
    assert.equal(describe.headers.get('Content-Base'), `${url}/`);
    assert.equal(describe.headers.get('x-Accept-Retransmit'), 'our-retransmit');
    const sdp = describe.body.toString();
    assert.match(sdp, /^v=0\r\no=StreamingServer \d+ \d+ IN IP4 \S+\r\ns=sample\.mp4\r\nc=IN IP4 0\.0\.0\.0\r\nt=0 0\r\na=control:\*\r\n/);
    assert.match(sdp, /m=video 0 RTP\/AVP 96\r\n(?:.*\r\n)*?a=rtpmap:96 H264\/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=[0-9A-F]{6};sprop-parameter-sets=[^,\s]+,[^\s]+\r\n/i);
    assert.match(sdp, /m=audio 0 RTP\/AVP 97\r\n(?:.*\r\n)*?a=rtpmap:97 mpeg4-generic\/44100\/2\r\n/);
    const controls = [...sdp.matchAll(/a=control:(trackID=\d+)/g)].map((m) => m[1]!);
    assert.equal(controls.length, 2);

    const setup1 = await client.request('SETUP', `${url}/${controls[0]}`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    assert.equal(setup1.status, 200);
    assert.match(setup1.headers.get('Session') ?? '', /^\d+;timeout=2$/);
    const t1 = parseTransportList(setup1.headers.get('Transport') ?? '').specs[0]!;
    assert.deepEqual(t1.interleaved, [0, 1]);
    assert.match(t1.ssrc ?? '', /^[0-9A-F]{8}$/);
    // No interleaved= asked: the server picks the next free even pair and says so.
    const setup2 = await client.request('SETUP', `${url}/${controls[1]}`, { Transport: 'RTP/AVP/TCP;unicast' });
    assert.equal(setup2.status, 200);
    assert.deepEqual(parseTransportList(setup2.headers.get('Transport') ?? '').specs[0]!.interleaved, [2, 3]);
    sessions.tcp = client.session!;

    const play = await client.request('PLAY', url, { Range: 'npt=0.000-' });
    assert.equal(play.status, 200);
    assert.match(play.headers.get('Range') ?? '', /^npt=0\.000-10\.\d{3}$/);
    const info = parseRtpInfo(play.headers.get('RTP-Info') ?? '');
    assert.deepEqual(info.map((i) => i.url), controls.map((c) => `${url}/${c}`));
    await sleep(1200);
    const firstVideo = client.frames.find((f) => f.channel === 0);
    const firstAudio = client.frames.find((f) => f.channel === 2);
    assert.ok(firstVideo && firstAudio, 'RTP arrived on both channels');
    assert.equal(rtpSeq(firstVideo.payload), info[0]!.seq);
    assert.equal(rtpSeq(firstAudio.payload), info[1]!.seq);
    assert.equal(firstVideo.payload.readUInt32BE(8).toString(16).toUpperCase().padStart(8, '0'), t1.ssrc);

    const pause = await client.request('PAUSE', url);
    assert.equal(pause.status, 200);
    await sleep(100);
    const countAtPause = client.frames.length;
    const lastVideoSeq = rtpSeq(client.frames.filter((f) => f.channel === 0).at(-1)!.payload);
    await sleep(600);
    assert.equal(client.frames.filter((f) => f.channel % 2 === 0).length, client.frames.filter((f, i) => i < countAtPause && f.channel % 2 === 0).length, 'nothing sent while paused');

    const resume = await client.request('PLAY', url);
    assert.equal(resume.status, 200);
    const resumedAt = Number(/^npt=([\d.]+)-/.exec(resume.headers.get('Range') ?? '')?.[1]);
    assert.ok(resumedAt > 0.9 && resumedAt < 2, `resumes where it paused (${resumedAt})`);
    const resumeInfo = parseRtpInfo(resume.headers.get('RTP-Info') ?? '');
    assert.equal(resumeInfo[0]!.seq, (lastVideoSeq + 1) & 0xffff, 'sequence continues');
    await sleep(500);
    const afterResume = client.frames.slice(countAtPause).find((f) => f.channel === 0);
    assert.ok(afterResume, 'video resumed');
    assert.equal(rtpSeq(afterResume.payload), resumeInfo[0]!.seq);

    const teardown = await client.request('TEARDOWN', url);
    assert.equal(teardown.status, 200);
    const gone = await client.request('GET_PARAMETER', url);
    assert.equal(gone.status, 454);
    client.close();
  });

  it('keeps a UDP session alive with GET_PARAMETER, OPTIONS and RTCP, and times it out in silence', async () => {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    const pair = await bindPair();
    let rtpPackets = 0;
    pair.rtp.on('message', () => rtpPackets++);
    try {
      await client.request('DESCRIBE', url);
      const setup = await client.request('SETUP', `${url}/trackID=1`, { Transport: `RTP/AVP;unicast;client_port=${pair.port}-${pair.port + 1}` });
      assert.equal(setup.status, 200);
      const transport = parseTransportList(setup.headers.get('Transport') ?? '').specs[0]!;
      assert.deepEqual(transport.clientPort, [pair.port, pair.port + 1]);
      assert.equal(transport.source, '127.0.0.1');
      assert.ok(transport.serverPort && transport.serverPort[0] % 2 === 0 && transport.serverPort[1] === transport.serverPort[0] + 1);
      sessions.udp = client.session!;
      assert.equal((await client.request('PLAY', url)).status, 200);

      // Keepalives every second for 3.5 s: longer than the 2 s timeout.
      for (let i = 0; i < 3; i++) {
        await sleep(1000);
        const res = await client.request(i % 2 === 0 ? 'GET_PARAMETER' : 'OPTIONS', url);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('Session'), `${client.session};timeout=${TIMEOUT_SECONDS}`);
      }
      assert.ok(rtpPackets > 50, `RTP arrives over UDP (${rtpPackets})`);

      // RTCP receiver reports alone also keep it alive.
      const serverRtcp = transport.serverPort![1];
      for (let i = 0; i < 7; i++) {
        pair.rtcp.send(receiverReport(0x1234), serverRtcp, '127.0.0.1');
        await sleep(500);
      }
      assert.equal((await client.request('GET_PARAMETER', url)).status, 200, 'alive after 3.5 s of RTCP only');

      // Silence: no RTSP, no RTCP.
      await sleep(TIMEOUT_SECONDS * 1000 + 1800);
      assert.equal((await client.request('GET_PARAMETER', url)).status, 454, 'timed out');
    } finally {
      client.close();
      pair.rtp.close();
      pair.rtcp.close();
    }
  });

  it('leaves each session its events, in order and schema-valid', async () => {
    assert.ok(sessions.tcp && sessions.udp, 'the sessions above ran');
    await server.stop();
    const store = await openEmbeddedEventStore(path.join(server.dataFolder, 'events'));
    try {
      // Samples are taken every 10 s, so how many a session has depends on timing.
      const lifecycle = (events: Array<{ type: string }>) => events.map((e) => e.type).filter((t) => t !== 'SessionSampled');
      const tcp = await store.readStream(`session-${sessions.tcp}`);
      assert.deepEqual(
        lifecycle(tcp),
        ['SessionOpened', 'SessionDescribed', 'SessionTransportSetUp', 'SessionTransportSetUp', 'SessionPlaying', 'SessionPaused', 'SessionPlaying', 'SessionClosed'],
      );
      const udp = await store.readStream(`session-${sessions.udp}`);
      assert.deepEqual(lifecycle(udp), ['SessionOpened', 'SessionDescribed', 'SessionTransportSetUp', 'SessionPlaying', 'SessionClosed']);
      for (const event of [...tcp, ...udp]) {
        validateEvent(event.type, event.data);
        assert.equal(event.metadata.schemaVersion, 1);
      }
      const tcpClosed = tcp.at(-1)!.data as { reason: string; transport: string; packetsSent: number; bytesSent: number };
      assert.equal(tcpClosed.reason, 'teardown');
      assert.equal(tcpClosed.transport, 'TCP');
      assert.ok(tcpClosed.packetsSent > 0 && tcpClosed.bytesSent > tcpClosed.packetsSent * 12);
      const udpClosed = udp.at(-1)!.data as { reason: string; transport: string };
      assert.equal(udpClosed.reason, 'timeout');
      assert.equal(udpClosed.transport, 'UDP');
      const opened = udp[0]!.data as { clientAddress: string; userAgent: string; path: string };
      assert.equal(opened.clientAddress, '127.0.0.1');
      assert.equal(opened.userAgent, 'StreamhouseTest/1.0');
      assert.equal(opened.path, 'sample.mp4');
    } finally {
      await store.close();
    }
  });
});
