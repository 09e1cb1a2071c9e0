import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRange, parseRange } from '../../../domain/rtsp/headers/range.js';
import { formatRtpInfo, parseRtpInfo } from '../../../domain/rtsp/headers/rtpInfo.js';
import { formatSession, parseSession } from '../../../domain/rtsp/headers/session.js';
import { formatTransport, parseTransportList } from '../../../domain/rtsp/headers/transport.js';
import { parseRequestTarget } from '../../../domain/rtsp/requestTarget.js';

describe('Transport header', () => {
  const table: Array<{ client: string; header: string; expect: object[] }> = [
    {
      client: 'ffmpeg UDP',
      header: 'RTP/AVP/UDP;unicast;client_port=23456-23457',
      expect: [{ profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [23456, 23457] }],
    },
    {
      client: 'ffmpeg TCP',
      header: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      expect: [{ profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] }],
    },
    {
      client: 'ffmpeg publishing',
      header: 'RTP/AVP/UDP;unicast;client_port=5000-5001;mode=record',
      expect: [{ lowerTransport: 'UDP', clientPort: [5000, 5001], mode: 'RECORD' }],
    },
    {
      client: 'VLC (live555)',
      header: 'RTP/AVP;unicast;client_port=50000-50001',
      expect: [{ profile: 'RTP/AVP', lowerTransport: 'UDP', clientPort: [50000, 50001] }],
    },
    {
      client: 'GStreamer rtspsrc (several choices)',
      header: 'RTP/AVP;unicast;client_port=40000-40001,RTP/AVP/TCP;unicast;interleaved=0-1',
      expect: [
        { lowerTransport: 'UDP', clientPort: [40000, 40001] },
        { lowerTransport: 'TCP', interleaved: [0, 1] },
      ],
    },
    {
      client: 'QuickTime Player',
      header: 'RTP/AVP;unicast;client_port=6970-6971;mode=play',
      expect: [{ lowerTransport: 'UDP', clientPort: [6970, 6971], mode: 'PLAY' }],
    },
    {
      client: 'multicast with ttl, spelled right',
      header: 'RTP/AVP;multicast;destination=224.2.0.1;port=5004-5005;ttl=16',
      expect: [{ delivery: 'multicast', destination: '224.2.0.1', port: [5004, 5005], ttl: 16 }],
    },
  ];
  for (const row of table) {
    it(`parses ${row.client}`, () => {
      const { specs, errors } = parseTransportList(row.header);
      assert.deepEqual(errors, []);
      assert.equal(specs.length, row.expect.length);
      specs.forEach((spec, i) => {
        for (const [key, value] of Object.entries(row.expect[i]!)) assert.deepEqual((spec as unknown as Record<string, unknown>)[key], value, key);
      });
    });
  }

  it('reports bad entries without losing good ones', () => {
    const { specs, errors } = parseTransportList('RTP/AVP;client_port=99999-100000,RTP/AVP/TCP;interleaved=2-3');
    assert.equal(specs.length, 1);
    assert.equal(errors.length, 1);
    assert.deepEqual(specs[0]!.interleaved, [2, 3]);
  });

  it('formats what the server echoes', () => {
    assert.equal(
      formatTransport({
        profile: 'RTP/AVP',
        lowerTransport: 'UDP',
        delivery: 'unicast',
        source: '127.0.0.1',
        clientPort: [5000, 5001],
        serverPort: [6970, 6971],
        ssrc: '0A0B0C0D',
        extensions: [],
      }),
      'RTP/AVP;unicast;source=127.0.0.1;client_port=5000-5001;server_port=6970-6971;ssrc=0A0B0C0D',
    );
    assert.equal(
      formatTransport({ profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [2, 3], extensions: [] }),
      'RTP/AVP/TCP;unicast;interleaved=2-3',
    );
  });
});

describe('Session header', () => {
  it('cuts at the semicolon', () => {
    assert.deepEqual(parseSession('12345678;timeout=60'), { id: '12345678', timeout: 60 });
    assert.deepEqual(parseSession('ABCDEF0123'), { id: 'ABCDEF0123' });
    assert.equal(parseSession(''), null);
    assert.equal(parseSession('bad id with spaces'), null);
    assert.equal(formatSession({ id: '42', timeout: 60 }), '42;timeout=60');
  });
});

describe('Range header', () => {
  it('parses npt forms real clients send', () => {
    assert.deepEqual(parseRange('npt=0.000-'), { unit: 'npt', start: 0 });
    assert.deepEqual(parseRange('npt=10-'), { unit: 'npt', start: 10 });
    assert.deepEqual(parseRange('npt=now-'), { unit: 'npt', start: 'now' });
    assert.deepEqual(parseRange('npt=5.5-20'), { unit: 'npt', start: 5.5, end: 20 });
    assert.deepEqual(parseRange('npt=0:01:02.5-'), { unit: 'npt', start: 62.5 });
    assert.deepEqual(parseRange('npt=-20'), { unit: 'npt', start: 0, end: 20 });
    assert.deepEqual(parseRange('clock=19961108T143720.25Z-'), { unit: 'unsupported', text: 'clock=19961108T143720.25Z-' });
    assert.equal(parseRange('npt=20-10'), null);
    assert.equal(parseRange('npt=abc-'), null);
    assert.equal(formatRange({ start: 0, end: 10 }), 'npt=0.000-10.000');
    assert.equal(formatRange({ start: 'now' }), 'npt=now-');
  });
});

describe('RTP-Info header', () => {
  it('round-trips, and keeps URLs with query strings whole', () => {
    const entries = [
      { url: 'rtsp://h/a.mp4?x=1;y=2/trackID=1', seq: 100, rtptime: 123456 },
      { url: 'rtsp://h/a.mp4?x=1;y=2/trackID=2', seq: 7, rtptime: 0 },
    ];
    assert.deepEqual(parseRtpInfo(formatRtpInfo(entries)), entries);
  });
});

describe('request target', () => {
  const ok = (uri: string) => {
    const r = parseRequestTarget(uri);
    assert.ok(r.ok, uri);
    return r.target;
  };
  it('finds the presentation and the track in the forms clients use', () => {
    assert.deepEqual(ok('rtsp://127.0.0.1:8554/sample.mp4'), {
      kind: 'path', segments: ['sample.mp4'], path: 'sample.mp4', query: null, track: null, presentationUri: 'rtsp://127.0.0.1:8554/sample.mp4',
    });
    const track = ok('rtsp://127.0.0.1:8554/sample.mp4/trackID=2');
    assert.ok(track.kind === 'path');
    assert.equal(track.track, 2);
    assert.equal(track.presentationUri, 'rtsp://127.0.0.1:8554/sample.mp4');
    const ffmpegQuery = ok('rtsp://h/folder/movie.mp4?token=abc/trackID=1');
    assert.ok(ffmpegQuery.kind === 'path');
    assert.equal(ffmpegQuery.path, 'folder/movie.mp4');
    assert.equal(ffmpegQuery.query, 'token=abc');
    assert.equal(ffmpegQuery.track, 1);
    const doubled = ok('rtsp://h//folder//a%20b.mov/');
    assert.ok(doubled.kind === 'path');
    assert.deepEqual(doubled.segments, ['folder', 'a b.mov']);
    assert.deepEqual(ok('*'), { kind: 'star' });
  });
  it('refuses hostile paths', () => {
    for (const uri of ['rtsp://h/../../etc/passwd', 'rtsp://h/%2e%2e/etc/passwd', 'rtsp://h/a%2fb', 'rtsp://h/a%00b', 'rtsp://h/a%5c..%5cb', 'rtsp://h/%E0%80%AE']) {
      const r = parseRequestTarget(uri);
      assert.ok(!r.ok && r.hostile, uri);
    }
    const relative = parseRequestTarget('sample.mp4');
    assert.ok(!relative.ok && !relative.hostile);
  });
});
