import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
import { rtspSessionMachine, type RequestEvent } from '../../actors/rtspSession/rtspSessionMachine.js';
import { RtspError, type SessionMedia } from '../../actors/rtspSession/sessionMedia.js';
import { validateEvent } from '../../domain/events/catalogue.js';
import type { SessionEvent } from '../../domain/events/sessionEvents.js';
import { HeaderList } from '../../domain/rtsp/headerList.js';
import { parseRequestTarget } from '../../domain/rtsp/requestTarget.js';
import type { RtspResponse } from '../../domain/rtsp/rtspMessage.js';

/** A SessionMedia with no sockets: records calls, answers like a two-track movie. */
function fakeMedia(options: { describeFails?: RtspError } = {}) {
  const calls: string[] = [];
  let connectionBound: string | null = null;
  const media: SessionMedia = {
    async describe(path) {
      calls.push(`describe ${path}`);
      if (options.describeFails) throw options.describeFails;
      return {
        sdp: 'v=0\r\n',
        tracks: [
          { trackId: 1, mediaType: 'video', codec: 'avc1' },
          { trackId: 2, mediaType: 'audio', codec: 'mp4a' },
        ],
        durationSeconds: 10,
      };
    },
    async setupTrack(trackId, transports, origin) {
      calls.push(`setup ${trackId} ${transports[0]!.lowerTransport}`);
      if (transports[0]!.lowerTransport === 'TCP') connectionBound = origin.id;
      return {
        trackId,
        transportHeader: 'RTP/AVP/TCP;unicast;interleaved=0-1',
        transport: transports[0]!.lowerTransport,
        clientRtpPort: null,
        clientRtcpPort: null,
        interleaved: [0, 1],
        ssrc: '0000ABCD',
      };
    },
    async play(range) {
      calls.push(`play ${range.start}`);
      return { rangeStart: range.start ?? 0, rangeEnd: 10, rtpInfo: [{ trackId: 1, seq: 5, rtptime: 1000 }] };
    },
    async announce() {
      throw new RtspError(501, 'not in this fake');
    },
    async record() {
      calls.push('record');
    },
    pause() {
      calls.push('pause');
      return 3.5;
    },
    stop() {
      calls.push('stop');
    },
    counters: () => ({ transport: 'TCP', bytesSent: 1000, packetsSent: 10, tracks: [{ trackId: 1, packetsSent: 10, bytesSent: 1000 }] }),
    dependsOnConnection: (id) => id === connectionBound,
  };
  return { media, calls };
}

function start(media: SessionMedia) {
  const recorded: SessionEvent[] = [];
  let clock = 1_000_000;
  const actor = createActor(
    rtspSessionMachine.provide({
      actions: { record: (_, event) => void recorded.push(event) },
    }),
    {
      input: {
        sessionId: '42',
        media,
        timeoutSeconds: 60,
        now: () => (clock += 100),
        opened: {
          sessionId: '42',
          clientAddress: '127.0.0.1',
          clientPort: 5555,
          serverAddress: '127.0.0.1',
          userAgent: 'test',
          url: 'rtsp://h/movie.mp4',
          path: 'movie.mp4',
        },
      },
    },
  );
  actor.start();
  const ask = (method: string, uri: string, headers: Array<[string, string]> = []): Promise<RtspResponse> => {
    const parsed = parseRequestTarget(uri);
    assert.ok(parsed.ok && parsed.target.kind === 'path');
    return new Promise((resolve) => {
      const event: RequestEvent = {
        type: 'REQUEST',
        request: { method, uri, version: 'RTSP/1.0', headers: new HeaderList(headers), body: Buffer.alloc(0) },
        target: parsed.target as Extract<typeof parsed.target, { kind: 'path' }>,
        origin: { id: 'conn-1', remoteAddress: '127.0.0.1', remotePort: 5555, localAddress: '127.0.0.1' },
        respond: resolve,
      };
      actor.send(event);
    });
  };
  return { actor, recorded, ask };
}

describe('rtspSession actor', () => {
  it('walks DESCRIBE, SETUP ×2, PLAY, PAUSE, PLAY, TEARDOWN and records it all', async () => {
    const { media, calls } = fakeMedia();
    const { actor, recorded, ask } = start(media);
    const describe = await ask('DESCRIBE', 'rtsp://h/movie.mp4');
    assert.equal(describe.status, 200);
    assert.equal(describe.headers.get('Content-Base'), 'rtsp://h/movie.mp4/');
    assert.equal(describe.headers.get('Session'), undefined);
    assert.equal(actor.getSnapshot().value.valueOf().toString(), '[object Object]');
    const setup1 = await ask('SETUP', 'rtsp://h/movie.mp4/trackID=1', [['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1']]);
    assert.equal(setup1.status, 200);
    assert.equal(setup1.headers.get('Session'), '42;timeout=60');
    assert.equal((await ask('SETUP', 'rtsp://h/movie.mp4/trackID=2', [['Transport', 'RTP/AVP/TCP;unicast;interleaved=2-3']])).status, 200);
    const play = await ask('PLAY', 'rtsp://h/movie.mp4', [['Range', 'npt=0.000-']]);
    assert.equal(play.status, 200);
    assert.equal(play.headers.get('RTP-Info'), 'url=rtsp://h/movie.mp4/trackID=1;seq=5;rtptime=1000');
    assert.equal(play.headers.get('Range'), 'npt=0.000-10.000');
    assert.deepEqual(actor.getSnapshot().value, { active: 'playing' });
    assert.equal((await ask('PLAY', 'rtsp://h/movie.mp4')).status, 200, 'PLAY while playing without Range is a keepalive');
    assert.equal((await ask('PAUSE', 'rtsp://h/movie.mp4')).status, 200);
    assert.deepEqual(actor.getSnapshot().value, { active: 'paused' });
    assert.equal((await ask('PLAY', 'rtsp://h/movie.mp4')).status, 200);
    assert.equal((await ask('GET_PARAMETER', 'rtsp://h/movie.mp4')).status, 200);
    assert.equal((await ask('TEARDOWN', 'rtsp://h/movie.mp4')).status, 200);
    assert.equal(actor.getSnapshot().status, 'done');
    assert.deepEqual(calls, ['describe movie.mp4', 'setup 1 TCP', 'setup 2 TCP', 'play 0', 'pause', 'play null', 'stop']);
    assert.deepEqual(
      recorded.map((e) => e.type),
      ['SessionOpened', 'SessionDescribed', 'SessionTransportSetUp', 'SessionTransportSetUp', 'SessionPlaying', 'SessionPaused', 'SessionPlaying', 'SessionClosed'],
    );
    for (const event of recorded) validateEvent(event.type, event.data);
    const closed = recorded.at(-1)!;
    assert.ok(closed.type === 'SessionClosed');
    assert.equal(closed.data.reason, 'teardown');
    assert.equal(closed.data.lastStatus, 200);
    assert.equal(closed.data.bytesSent, 1000);
    const paused = recorded.find((e) => e.type === 'SessionPaused');
    assert.ok(paused?.type === 'SessionPaused' && paused.data.at === 3.5);
  });

  it('answers 460 to a per-track PLAY on a two-track presentation', async () => {
    const { media } = fakeMedia();
    const { ask } = start(media);
    await ask('DESCRIBE', 'rtsp://h/movie.mp4');
    await ask('SETUP', 'rtsp://h/movie.mp4/trackID=1', [['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1']]);
    assert.equal((await ask('PLAY', 'rtsp://h/movie.mp4/trackID=1')).status, 460);
  });

  it('answers 455 to PLAY before SETUP, and 461 to a transport list it cannot read', async () => {
    const { media } = fakeMedia();
    const { ask } = start(media);
    await ask('DESCRIBE', 'rtsp://h/movie.mp4');
    assert.equal((await ask('PLAY', 'rtsp://h/movie.mp4')).status, 455);
    assert.equal((await ask('SETUP', 'rtsp://h/movie.mp4/trackID=1', [['Transport', 'RAW/RAW/UDP;unicast']])).status, 461);
    assert.equal((await ask('SETUP', 'rtsp://h/movie.mp4/trackID=9', [['Transport', 'RTP/AVP;unicast;client_port=5000-5001']])).status, 404);
  });

  it('refuses a broken movie with the media error, records why and closes', async () => {
    const { media } = fakeMedia({ describeFails: new RtspError(415, 'movie.mp4 is not a usable movie: truncated (box moov)') });
    const { actor, recorded, ask } = start(media);
    assert.equal((await ask('DESCRIBE', 'rtsp://h/movie.mp4')).status, 415);
    assert.equal(actor.getSnapshot().status, 'done');
    const refused = recorded.find((e) => e.type === 'SessionRequestRefused');
    assert.ok(refused?.type === 'SessionRequestRefused');
    assert.equal(refused.data.status, 415);
    assert.match(refused.data.reason, /box moov/);
    const closed = recorded.at(-1)!;
    assert.ok(closed.type === 'SessionClosed' && closed.data.reason === 'refused' && closed.data.lastStatus === 415);
  });

  it('closes on timeout with the reason recorded', async () => {
    const { media } = fakeMedia();
    const { actor, recorded, ask } = start(media);
    await ask('SETUP', 'rtsp://h/movie.mp4/trackID=1', [['Transport', 'RTP/AVP;unicast;client_port=5000-5001']]);
    actor.send({ type: 'TIMEOUT' });
    assert.equal(actor.getSnapshot().status, 'done');
    const closed = recorded.at(-1)!;
    assert.ok(closed.type === 'SessionClosed' && closed.data.reason === 'timeout');
  });

  it('ends with its TCP connection, but not with an unrelated one', async () => {
    const { media } = fakeMedia();
    const { actor, recorded, ask } = start(media);
    await ask('DESCRIBE', 'rtsp://h/movie.mp4');
    await ask('SETUP', 'rtsp://h/movie.mp4/trackID=1', [['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1']]);
    actor.send({ type: 'CONNECTION_CLOSED', connectionId: 'other' });
    assert.equal(actor.getSnapshot().status, 'active');
    actor.send({ type: 'CONNECTION_CLOSED', connectionId: 'conn-1' });
    assert.equal(actor.getSnapshot().status, 'done');
    const closed = recorded.at(-1)!;
    assert.ok(closed.type === 'SessionClosed' && closed.data.reason === 'connection-closed');
  });
});
