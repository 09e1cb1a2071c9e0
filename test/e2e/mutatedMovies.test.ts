import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';

/**
 * Fuzzing the whole server with broken movies: random bytes changed in the sample's
 * moov and media data, each copy described and played at 4x over TCP. Whatever the
 * damage, the server answers (200, 415 or 457…), never crashes or hangs, and keeps
 * serving the intact movie. Bounded: FUZZ_MOVIES copies (default 24; more on demand).
 */
const sampleFile = path.join(repoRoot, 'adapters', 'files', 'sample', 'sample.mp4');
const COUNT = Number(process.env.FUZZ_MOVIES ?? 24);

describe('mutated movies', () => {
  let server: ServerProcess;
  let names: string[] = [];

  before(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-fuzz-'));
    const movies = path.join(dir, 'movies');
    await mkdir(movies);
    await copyFile(sampleFile, path.join(movies, 'intact.mp4'));
    const original = await readFile(sampleFile);
    const moovEnd = original.indexOf('mdat') - 4;
    const mutations = fc.sample(
      fc.record({
        inMoov: fc.boolean(),
        edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
      }),
      { numRuns: COUNT, seed: Number(process.env.FUZZ_SEED ?? 20261125) },
    );
    names = await Promise.all(
      mutations.map(async (m, i) => {
        let bytes = Buffer.from(original);
        for (const edit of m.edits) {
          const span = m.inMoov ? moovEnd : bytes.length - moovEnd;
          bytes[(m.inMoov ? 0 : moovEnd) + (edit.at % span)] = edit.value;
        }
        if (m.cut !== undefined && i % 3 === 0) bytes = bytes.subarray(0, m.cut % bytes.length);
        const name = `mutant-${i}.mp4`;
        await writeFile(path.join(movies, name), bytes);
        return name;
      }),
    );
    server = await startServerProcess({ dir, moviesFolder: movies });
  });

  after(async () => server?.cleanup());

  it('answers every mutant and keeps serving', async () => {
    const statuses = new Map<number, number>();
    for (const name of names) {
      const client = await RtspTestClient.connect(server.port);
      const url = server.url(name);
      const describe = await client.request('DESCRIBE', url);
      statuses.set(describe.status, (statuses.get(describe.status) ?? 0) + 1);
      assert.ok([200, 415].includes(describe.status), `${name}: DESCRIBE ${describe.status}`);
      if (describe.status === 200) {
        for (const control of [...describe.body.toString().matchAll(/a=control:(trackID=\d+)/g)].map((m) => m[1]!)) {
          const setup = await client.request('SETUP', `${url}/${control}`, { Transport: 'RTP/AVP/TCP;unicast' });
          assert.ok(setup.status < 500, `${name}: SETUP ${setup.status}`);
        }
        const play = await client.request('PLAY', url, { Range: 'npt=0-', Speed: '4' });
        assert.ok(play.status < 500, `${name}: PLAY ${play.status}`);
        await sleep(300);
        assert.equal((await client.request('TEARDOWN', url)).status, 200, `${name}: still answering`);
      }
      client.close();
    }
    const check = await RtspTestClient.connect(server.port);
    assert.equal((await check.request('DESCRIBE', server.url('intact.mp4'))).status, 200, 'the intact movie still plays');
    check.close();
    assert.equal(server.child.exitCode, null, 'the server is still running');
    process.stderr.write(`mutants: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}\n`);
  });
});
