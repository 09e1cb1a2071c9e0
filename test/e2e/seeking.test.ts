import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * Seeking: PLAY with `Range: npt=a-` starts at the sync sample at or before a. The
 * sample movie has a key frame every 2 s (every 50 frames), so a seek to 5 s starts
 * at frame 100 (4 s).
 */
const skip = skipUnlessFfmpeg();
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');

describe('seeking', { skip }, () => {
  let server: ServerProcess;
  let decoded: FrameHashes;
  let packets: FrameHashes;

  before(async () => {
    server = await startServerProcess();
    decoded = await frameMd5(['-i', sampleFile]);
    packets = await frameMd5(['-i', sampleFile], 60_000, ['-c:a', 'copy']);
  });
  after(async () => server?.cleanup());

  it('decodes, after a seek to 5 s, exactly the frames from the sync sample at 4 s', async () => {
    // -noaccurate_seek and -vsync 0: keep every frame the server sends, from the sync sample on.
    const remote = await frameMd5(['-ss', '5', '-noaccurate_seek', '-rtsp_transport', 'tcp', '-i', server.url('sample.mp4')], 60_000, ['-vsync', '0', '-c:a', 'copy']);
    assert.equal(remote.code, 0, remote.stderr);
    assert.deepEqual(remote.streams.get(0), decoded.streams.get(0)!.slice(100), 'video from frame 100 (4 s) to the end');
    const audio = remote.streams.get(1)!;
    const local = packets.streams.get(1)!;
    const first = local.indexOf(audio[0]!);
    assert.deepEqual(audio, local.slice(first), 'audio frames from the start point to the end, none missing');
    // The key frame is presented at 4.08 s (two frames of composition delay); audio starts there.
    const startSeconds = (3528 + (first - 1) * 1024) / 44100;
    assert.ok(startSeconds > 4.0 && startSeconds <= 4.08, `audio starts at ${startSeconds.toFixed(3)} s`);
  });

  it('says where streaming really starts, and answers a range past the end with 457', async () => {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    await client.request('DESCRIBE', url);
    await client.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', 'x-Prebuffer': 'maxtime=3.0', 'x-Packet-Range': 'pn=1-' });
    await client.request('SETUP', `${url}/trackID=2`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' });
    const play = await client.request('PLAY', url, { Range: 'npt=5-7' });
    assert.equal(play.status, 200);
    assert.equal(play.headers.get('Range'), 'npt=4.080-7.000');
    await sleep(200);
    const past = await client.request('PLAY', url, { Range: 'npt=60-' });
    assert.equal(past.status, 457);
    client.close();
  });
});

describe('speed', { skip }, () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => server?.cleanup());

  it('sends 4x faster when every track is on TCP, and says 1.0 over UDP', async () => {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    await client.request('DESCRIBE', url);
    await client.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
    await client.request('SETUP', `${url}/trackID=2`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' });
    const started = performance.now();
    const play = await client.request('PLAY', url, { Range: 'npt=0-', Speed: '4.0' });
    assert.equal(play.headers.get('Speed'), '4.0');
    // 10 s of movie at 4x: everything (and the BYEs) within about 2.5 s.
    let byes = 0;
    while (performance.now() - started < 6000 && byes < 2) {
      await sleep(100);
      byes = client.frames.filter((f) => f.channel % 2 === 1 && f.payload.includes(Buffer.from([0x81, 203]))).length;
    }
    const elapsed = performance.now() - started;
    assert.equal(byes, 2, 'both tracks finished');
    assert.ok(elapsed < 4000, `took ${Math.round(elapsed)} ms`);
    const videoPackets = client.frames.filter((f) => f.channel === 0).length;
    assert.ok(videoPackets >= 250, `all video frames sent (${videoPackets} packets)`);
    client.close();

    const udp = await RtspTestClient.connect(server.port);
    await udp.request('DESCRIBE', url);
    await udp.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP;unicast;client_port=41000-41001' });
    const slow = await udp.request('PLAY', url, { Speed: '4.0' });
    assert.equal(slow.headers.get('Speed'), '1.0');
    udp.close();
  });
});
