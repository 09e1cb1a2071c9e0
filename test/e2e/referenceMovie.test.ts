import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { frameMd5, type FrameHashes } from '../helpers/framemd5.js';
import { referenceMovie, type ExternalData } from '../helpers/referenceMovie.js';
import { RtspTestClient } from '../helpers/rtspTestClient.js';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';

/**
 * QuickTime reference movies: the movie file holds the moov (and hint samples), the
 * media samples sit in data files beside it, named by dref `url ` and `alis` entries.
 * Movies made by ffmpeg at test time are rewritten into that form (test/helpers/
 * referenceMovie.ts) and must stream bit-exact against the local decode of the
 * original, packetized and from hint tracks whose constructors read another track's
 * external samples. A missing data file, or one named by a path leading elsewhere, is
 * refused with 415 naming it; a changed data file is picked up by the next DESCRIBE.
 */
const skip = skipUnlessFfmpeg();

const lavfi = [
  ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2'],
  ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=2,aformat=channel_layouts=stereo'],
].flat();

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath()!, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')}: ${stderr}`))));
  });
}

/** Writes the reference movie `name` and its data files into `folder`. */
async function writeReferenceMovie(folder: string, name: string, source: Buffer, externalFor: (handler: string) => ExternalData | null): Promise<Map<string, Buffer>> {
  const made = referenceMovie(source, externalFor);
  await writeFile(path.join(folder, name), made.movie);
  for (const [file, bytes] of made.files) await writeFile(path.join(folder, file), bytes);
  return made.files;
}

describe('reference movies (media data in files beside the movie)', { skip }, () => {
  let dir: string;
  let movies: string;
  let server: ServerProcess;
  let plainLocal: FrameHashes;
  let hintedLocal: FrameHashes;
  let changing: Buffer;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-refmovie-'));
    movies = path.join(dir, 'movies');
    await mkdir(movies);
    const plainFile = path.join(dir, 'plain.mp4');
    const hintedFile = path.join(dir, 'hinted.mp4');
    await Promise.all([
      ffmpeg([...lavfi, '-c:v', 'libx264', '-bf', '2', '-c:a', 'aac', '-use_editlist', '0', '-shortest', '-y', plainFile]),
      ffmpeg([...lavfi, '-c:v', 'libx264', '-c:a', 'aac', '-use_editlist', '0', '-movflags', '+rtphint', '-shortest', '-y', hintedFile]),
    ]);
    const [plain, hinted] = await Promise.all([readFile(plainFile), readFile(hintedFile)]);

    // Video through a `url ` entry, audio through an alias record, each in its own file.
    await writeReferenceMovie(movies, 'external.mp4', plain, (handler) =>
      handler === 'vide' ? { fileName: 'video.dat', entry: 'url ' } : handler === 'soun' ? { fileName: 'sound.dat', entry: 'alis', lead: 1000 } : null,
    );
    // Hint samples stay in the movie file; the media samples they read are beside it.
    const media = (fileName: string, extra: Partial<ExternalData> = {}) => (handler: string) =>
      handler === 'vide' || handler === 'soun' ? { fileName, entry: 'url ' as const, lead: 777, ...extra } : null;
    await writeReferenceMovie(movies, 'external-hinted.mp4', hinted, media('hinted.dat'));
    // The hint samples too, in a file of their own named by an alias: no sample is left in the movie file.
    await writeReferenceMovie(movies, 'all-external-hinted.mp4', hinted, (handler) =>
      handler === 'hint' ? { fileName: 'hints.dat', entry: 'alis', lead: 5 } : media('hinted.dat')(handler),
    );
    // The data file is never written.
    await writeFile(path.join(movies, 'missing.mp4'), referenceMovie(plain, media('gone.dat')).movie);
    // A path out of the folder: the file exists there, and under the same name beside the movie.
    const outside = await writeReferenceMovie(movies, 'outside.mp4', plain, media('outside.dat', { location: '../outside.dat' }));
    await writeFile(path.join(dir, 'outside.dat'), outside.get('outside.dat')!);
    // A link beside the movie that leads out of the movies folder.
    await writeFile(path.join(movies, 'linked.mp4'), referenceMovie(plain, media('linked.dat')).movie);
    await symlink(path.join(dir, 'outside.dat'), path.join(movies, 'linked.dat'));
    changing = (await writeReferenceMovie(movies, 'changing.mp4', plain, media('changing.dat'))).get('changing.dat')!;

    [plainLocal, hintedLocal] = await Promise.all([frameMd5(['-i', plainFile]), frameMd5(['-i', hintedFile])]);
    server = await startServerProcess({ dir, moviesFolder: movies });
  });

  after(async () => {
    await server?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const streamBoth = (name: string): Promise<FrameHashes[]> =>
    Promise.all([
      frameMd5(['-rtsp_transport', 'udp', '-buffer_size', '4000000', '-i', server.url(name)], 60_000),
      frameMd5(['-rtsp_transport', 'tcp', '-i', server.url(name)], 60_000),
    ]);

  it('streams a packetized reference movie bit-exact over UDP and TCP (url and alis entries)', async () => {
    const [udp, tcp] = await streamBoth('external.mp4');
    for (const [label, remote] of [['udp', udp!], ['tcp', tcp!]] as const) {
      assert.equal(remote.code, 0, `${label}: ${remote.stderr}`);
      assert.ok(plainLocal.streams.get(0)!.length >= 50);
      assert.deepEqual(remote.streams.get(0), plainLocal.streams.get(0), `${label} video`);
      assert.deepEqual(remote.streams.get(1), plainLocal.streams.get(1), `${label} audio`);
    }
  });

  for (const name of ['external-hinted.mp4', 'all-external-hinted.mp4']) {
    it(`streams ${name} from its hint tracks bit-exact, the constructors reading the external media`, async () => {
      const client = await RtspTestClient.connect(server.port);
      const described = await client.request('DESCRIBE', server.url(name));
      client.close();
      assert.equal(described.status, 200);
      assert.deepEqual([...described.body.toString().matchAll(/a=control:(trackID=\d+)/g)].map((m) => m[1]), ['trackID=3', 'trackID=4'], 'served from its hint tracks');
      const [udp, tcp] = await streamBoth(name);
      for (const [label, remote] of [['udp', udp!], ['tcp', tcp!]] as const) {
        assert.equal(remote.code, 0, `${label}: ${remote.stderr}`);
        assert.deepEqual(remote.streams.get(0), hintedLocal.streams.get(0), `${label} video`);
        // ffmpeg's hinter leaves the last AAC samples unhinted: what is sent must be the start of the audio, exactly.
        const audio = remote.streams.get(1) ?? [];
        const local = hintedLocal.streams.get(1)!;
        assert.ok(audio.length >= local.length - 8, `${label}: ${audio.length} of ${local.length} audio frames`);
        assert.deepEqual(audio, local.slice(0, audio.length), `${label} audio`);
      }
    });
  }

  it('refuses with 415 naming the data file when it is missing, and logs it with the box', async () => {
    const client = await RtspTestClient.connect(server.port);
    const refused = await client.request('DESCRIBE', server.url('missing.mp4'));
    client.close();
    assert.equal(refused.status, 415);
    assert.match(refused.body.toString(), /'gone\.dat'.*missing/);
    assert.match(server.output(), /WARNING.*missing\.mp4 refused at box moov\/trak\[1\]\/mdia\/minf\/dinf\/dref: .*gone\.dat/);
  });

  it('refuses a data reference naming a path out of the folder, and a link beside the movie leading out of it', async () => {
    const client = await RtspTestClient.connect(server.port);
    const byPath = await client.request('DESCRIBE', server.url('outside.mp4'));
    const byLink = await client.request('DESCRIBE', server.url('linked.mp4'));
    client.close();
    assert.equal(byPath.status, 415);
    assert.match(byPath.body.toString(), /'\.\.\/outside\.dat' names a path/);
    assert.equal(byLink.status, 415);
    assert.match(byLink.body.toString(), /'linked\.dat'.*outside the movies folder/);
    assert.equal(server.child.exitCode, null, 'the server is still running');
  });

  it('picks up a changed data file at the next DESCRIBE', async () => {
    const client = await RtspTestClient.connect(server.port);
    const describe = async (): Promise<{ status: number; body: string }> => {
      const res = await client.request('DESCRIBE', server.url('changing.mp4'));
      return { status: res.status, body: res.body.toString() };
    };
    const dataFile = path.join(movies, 'changing.dat');
    assert.equal((await describe()).status, 200);
    await unlink(dataFile);
    const gone = await describe();
    assert.equal(gone.status, 415);
    assert.match(gone.body, /'changing\.dat'.*missing/);
    await writeFile(dataFile, changing);
    assert.equal((await describe()).status, 200);
    // Cut short: the samples placed past its end make the movie unusable, and the message says where.
    await writeFile(dataFile, changing.subarray(0, changing.length - 5000));
    const short = await describe();
    assert.equal(short.status, 415);
    assert.match(short.body, /ends past the \d+-byte changing\.dat/);
    await writeFile(dataFile, changing);
    assert.equal((await describe()).status, 200);
    client.close();
  });
});
