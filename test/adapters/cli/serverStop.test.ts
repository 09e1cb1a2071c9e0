import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtspTestClient } from '../../helpers/rtspTestClient.js';
import { startServerProcess } from '../../helpers/serverProcess.js';

test('SIGTERM with a session playing stops the server gracefully with exit code 0', async () => {
  const server = await startServerProcess();
  try {
    const client = await RtspTestClient.connect(server.port);
    const url = server.url('sample.mp4');
    assert.equal((await client.request('DESCRIBE', url, { Accept: 'application/sdp' })).status, 200);
    assert.equal((await client.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' })).status, 200);
    assert.equal((await client.request('PLAY', url)).status, 200);
    const started = performance.now();
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.ok(performance.now() - started < 10_000, 'stopped within the graceful deadline');
    client.socket.destroy();
  } finally {
    await server.cleanup();
  }
});
