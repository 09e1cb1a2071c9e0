import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBasicAuthorization } from '../../../domain/auth/basic.js';
import { createCryptHash } from '../../../domain/auth/crypt/passwordHash.js';
import { digestResponse, formatDigestAuthorization, parseDigestChallenge } from '../../../domain/auth/digest.js';
import { digestHa1 } from '../../../domain/auth/usersFile.js';
import { Authenticator, type AuthenticationRequest, type AuthenticationResult } from '../../../adapters/auth/authenticator.js';

let dir: string;
let movies: string;
let usersFile: string;
let groupsFile: string;

const DSS_LINE = 'aGFja21l:0muym.z3yrHSw:fa000739887bb2871bcf0c9201b5ebd5';
const REMOTE = '198.51.100.20';

function userLine(name: string, password: string, realm = 'Streaming Server'): string {
  return `${name}:${createCryptHash(password, Buffer.alloc(16, name.length), { format: 'sha256', rounds: 1000 })}:${digestHa1(name, realm, password)}`;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-authn-'));
  movies = path.join(dir, 'movies');
  for (const sub of ['open', 'members', 'basic', 'none', 'private', 'broken', 'ghost']) await mkdir(path.join(movies, sub), { recursive: true });
  await writeFile(path.join(movies, 'members', 'qtaccess'), 'require valid-user\n');
  await writeFile(path.join(movies, 'basic', 'qtaccess'), 'AuthScheme basic\nAuthName "Basic Club"\nrequire user aGFja21l\n');
  await writeFile(path.join(movies, 'none', 'qtaccess'), 'AuthScheme none\nrequire valid-user\n');
  await writeFile(path.join(movies, 'private', 'qtaccess'), 'AuthUserFile private-users\nAuthGroupFile /nonexistent/qtgroups\nrequire valid-user\n');
  await writeFile(path.join(movies, 'private', 'private-users'), `realm Private\n${userLine('vip', 'vip-pass', 'Private')}\n`);
  await writeFile(path.join(movies, 'broken', 'qtaccess'), 'require valid-user\nrequire nonsense\n');
  await writeFile(path.join(movies, 'ghost', 'qtaccess'), 'AuthUserFile no-such-users-file\nrequire valid-user\n');
  usersFile = path.join(dir, 'qtusers');
  groupsFile = path.join(dir, 'qtgroups');
  await writeFile(usersFile, `realm Streaming Server\n${DSS_LINE}\n${userLine('alice', 'alice-pass')}\n${userLine('bob', 'bob-pass')}\n`);
  await writeFile(groupsFile, 'broadcaster: bob\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(options: { throttle?: false; nonceLifetimeMs?: number } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const sleeps: number[] = [];
  const logs: string[] = [];
  let counter = 0;
  const authenticator = new Authenticator({
    moviesRoot: movies,
    usersFile,
    groupsFile,
    nonceSecret: Buffer.from('test secret'),
    now: () => clock.now,
    randomBytes: (size) => Buffer.alloc(size, ++counter),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (level, message) => logs.push(`${level}: ${message}`),
    throttle: options.throttle ?? { delayAfter: 2, baseDelayMs: 100, maxDelayMs: 1000, blockAfter: 4, blockMs: 60_000, windowMs: 600_000 },
    ...(options.nonceLifetimeMs !== undefined && { nonceLifetimeMs: options.nonceLifetimeMs }),
  });
  return { authenticator, clock, sleeps, logs };
}

function request(file: string, extra: Partial<AuthenticationRequest> = {}): AuthenticationRequest {
  return {
    method: 'DESCRIBE',
    uri: `rtsp://server.example:8554/${file}`,
    headers: [],
    clientAddress: REMOTE,
    filePath: path.join(movies, file),
    action: 'READ',
    ...extra,
  };
}

function challengeOf(result: AuthenticationResult): string {
  assert.equal(result.allowed, false);
  if (result.allowed) throw new Error('unreachable');
  assert.equal(result.status, 401);
  assert.equal(result.headers.length, 1, 'exactly one challenge');
  assert.equal(result.headers[0]![0], 'WWW-Authenticate');
  return result.headers[0]![1];
}

function digestHeader(challenge: string, req: AuthenticationRequest, user: string, password: string, options: { qop?: boolean; nc?: number; realm?: string } = {}): string {
  const parsed = parseDigestChallenge(challenge)!;
  const realm = options.realm ?? parsed.realm;
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const base = { username: user, realm, nonce: parsed.nonce, uri: req.uri };
  const response = digestResponse({
    ha1: digestHa1(user, realm, password),
    method: req.method,
    uri: req.uri,
    nonce: parsed.nonce,
    ...(options.qop && { qop: 'auth' as const, nc, cnonce: 'abcdef' }),
  });
  return formatDigestAuthorization({ ...base, response, ...(options.qop && { qop: 'auth' as const, nc, cnonce: 'abcdef' }) });
}

function withAuth(req: AuthenticationRequest, header: string): AuthenticationRequest {
  return { ...req, headers: [['CSeq', '3'], ['authorization', header]] };
}

describe('authenticator: reads', () => {
  it('lets anyone read where no qtaccess applies', async () => {
    const { authenticator } = setup();
    const result = await authenticator.authenticate(request('open/movie.mp4'));
    assert.equal(result.allowed, true);
    assert.equal(result.allowed && result.user, null);
  });

  it('challenges with Digest (realm of the users file, qop offered), then admits the DSS user without qop', async () => {
    const { authenticator } = setup();
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    assert.match(challenge, /^Digest realm="Streaming Server", nonce="[0-9a-f]{64}", qop="auth"$/);
    const result = await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'aGFja21l', 'aGFja21l')));
    assert.deepEqual(result.allowed && result.user, { name: 'aGFja21l', groups: [], scheme: 'digest' });
    // Without qop, the nonce may be reused while fresh (each RTSP request re-sends it).
    const setup2 = { ...req, method: 'SETUP', uri: `${req.uri}/trackID=1` };
    assert.equal((await authenticator.authenticate(withAuth(setup2, digestHeader(challenge, setup2, 'aGFja21l', 'aGFja21l')))).allowed, true);
  });

  it('with qop=auth, refuses a repeated nonce-count as stale and accepts a growing one', async () => {
    const { authenticator, sleeps } = setup();
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    const first = withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass', { qop: true, nc: 1 }));
    assert.equal((await authenticator.authenticate(first)).allowed, true);
    const replay = challengeOf(await authenticator.authenticate(first));
    assert.match(replay, /stale="true"/);
    const next = withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass', { qop: true, nc: 2 }));
    assert.equal((await authenticator.authenticate(next)).allowed, true);
    assert.deepEqual(sleeps, [], 'a replay is not a password failure');
  });

  it('answers stale="true" to a right answer with an expired nonce, and to a nonce issued to another address', async () => {
    const { authenticator, clock } = setup({ nonceLifetimeMs: 60_000 });
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    const credentials = withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass'));
    clock.now += 60_001;
    const stale = challengeOf(await authenticator.authenticate(credentials));
    assert.match(stale, /stale="true"/);
    assert.notEqual(parseDigestChallenge(stale)!.nonce, parseDigestChallenge(challenge)!.nonce);
    const fresh = withAuth(req, digestHeader(stale, req, 'alice', 'alice-pass'));
    assert.equal((await authenticator.authenticate(fresh)).allowed, true);
    const elsewhere = challengeOf(await authenticator.authenticate({ ...fresh, clientAddress: '198.51.100.99' }));
    assert.match(elsewhere, /stale="true"/);
  });

  it('refuses a wrong password without stale, and a Digest answer for another realm', async () => {
    const { authenticator } = setup();
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    const wrong = challengeOf(await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'nope'))));
    assert.doesNotMatch(wrong, /stale/);
    const otherRealm = challengeOf(await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass', { realm: 'Elsewhere' }))));
    assert.doesNotMatch(otherRealm, /stale/);
    const unknown = await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'mallory', 'x')));
    assert.equal(unknown.allowed, false);
    assert.equal(!unknown.allowed && unknown.attemptedUser, 'mallory');
  });

  it('uses Basic where the qtaccess says so, with its AuthName, and checks the DES hash of the DSS vector', async () => {
    const { authenticator } = setup();
    const req = request('basic/movie.mp4');
    assert.equal(challengeOf(await authenticator.authenticate(req)), 'Basic realm="Basic Club"');
    const ok = await authenticator.authenticate(withAuth(req, formatBasicAuthorization({ username: 'aGFja21l', password: 'aGFja21l' })));
    assert.deepEqual(ok.allowed && ok.user, { name: 'aGFja21l', groups: [], scheme: 'basic' });
    // Twice more: the second check comes from the verified cache and must agree.
    assert.equal((await authenticator.authenticate(withAuth(req, formatBasicAuthorization({ username: 'aGFja21l', password: 'aGFja21l' })))).allowed, true);
    assert.equal((await authenticator.authenticate(withAuth(req, formatBasicAuthorization({ username: 'aGFja21l', password: 'aGFja21L' })))).allowed, false);
    const notListed = await authenticator.authenticate(withAuth(req, formatBasicAuthorization({ username: 'alice', password: 'alice-pass' })));
    assert.equal(challengeOf(notListed), 'Basic realm="Basic Club"', 'a real user not listed is asked again');
  });

  it('accepts only the scheme in force (no downgrade to Basic where Digest is required)', async () => {
    const { authenticator } = setup();
    const req = request('members/movie.mp4');
    const result = await authenticator.authenticate(withAuth(req, formatBasicAuthorization({ username: 'alice', password: 'alice-pass' })));
    assert.match(challengeOf(result), /^Digest /);
    assert.match(!result.allowed ? result.reason : '', /only digest is accepted/);
  });

  it('answers 403 without a challenge where the scheme is none', async () => {
    const { authenticator } = setup();
    const result = await authenticator.authenticate(request('none/movie.mp4'));
    assert.deepEqual(!result.allowed && [result.status, result.headers], [403, []]);
  });

  it('uses the AuthUserFile named by the qtaccess (relative to its folder) and its realm', async () => {
    const { authenticator } = setup();
    const req = request('private/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    assert.equal(parseDigestChallenge(challenge)!.realm, 'Private');
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'vip', 'vip-pass')))).allowed, true);
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass')))).allowed, false);
  });

  it('lets nobody in when the AuthUserFile is missing (the server users do not count instead)', async () => {
    const { authenticator } = setup();
    const req = request('ghost/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    assert.equal(parseDigestChallenge(challenge)!.realm, 'Streaming Server');
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass')))).allowed, false);
  });

  it('logs qtaccess errors once per version of the file, and denies at a broken line', async () => {
    const { authenticator, logs } = setup();
    const req = request('broken/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    await authenticator.authenticate(req);
    assert.equal(logs.filter((l) => l.includes('qtaccess:2')).length, 1, logs.join('\n'));
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass')))).allowed, true);
  });

  it('sees users added to the users file at once', async () => {
    const { authenticator } = setup();
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    const carol = withAuth(req, digestHeader(challenge, req, 'carol', 'carol-pass'));
    assert.equal((await authenticator.authenticate(carol)).allowed, false);
    const original = `realm Streaming Server\n${DSS_LINE}\n${userLine('alice', 'alice-pass')}\n${userLine('bob', 'bob-pass')}\n`;
    await writeFile(usersFile, `${original}${userLine('carol', 'carol-pass')}\n`);
    try {
      assert.equal((await authenticator.authenticate(carol)).allowed, true);
    } finally {
      await writeFile(usersFile, original);
    }
  });

  it('refuses paths outside the movies folder', async () => {
    const { authenticator } = setup();
    const result = await authenticator.authenticate({ ...request('x'), filePath: path.join(dir, 'qtusers') });
    assert.equal(!result.allowed && result.status, 403);
  });
});

describe('authenticator: broadcasts (WRITE)', () => {
  const announce = (file: string, clientAddress: string) => request(file, { method: 'ANNOUNCE', action: 'WRITE', clientAddress });

  it('lets loopback clients broadcast without credentials', async () => {
    const { authenticator } = setup();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      assert.equal((await authenticator.authenticate(announce('live/new.sdp', address))).allowed, true, address);
    }
  });

  it('challenges remote broadcasters; any user may broadcast where no qtaccess applies', async () => {
    const { authenticator } = setup();
    const req = announce('live/new.sdp', REMOTE);
    const challenge = challengeOf(await authenticator.authenticate(req));
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass')))).allowed, true);
  });

  it('under a qtaccess without WRITE rules, only the broadcaster group may broadcast', async () => {
    const { authenticator } = setup();
    const req = announce('members/live.sdp', REMOTE);
    const challenge = challengeOf(await authenticator.authenticate(req));
    const alice = await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass')));
    assert.equal(alice.allowed, false);
    const bob = await authenticator.authenticate(withAuth(req, digestHeader(challenge, req, 'bob', 'bob-pass')));
    assert.deepEqual(bob.allowed && bob.user, { name: 'bob', groups: ['broadcaster'], scheme: 'digest' });
  });

  it('makes loopback broadcasters authenticate when local broadcasts must', async () => {
    const authenticator = new Authenticator({ moviesRoot: movies, usersFile, groupsFile, policy: { authenticateLocalBroadcasts: true }, throttle: false });
    const result = await authenticator.authenticate(announce('live/new.sdp', '127.0.0.1'));
    assert.equal(!result.allowed && result.status, 401);
  });
});

describe('authenticator: repeated failures', () => {
  it('delays, then refuses an address that keeps failing; open content stays open to it; others are unaffected', async () => {
    const { authenticator, sleeps, clock } = setup();
    const req = request('members/movie.mp4');
    const challenge = challengeOf(await authenticator.authenticate(req));
    const wrong = withAuth(req, digestHeader(challenge, req, 'alice', 'guess'));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await authenticator.authenticate(wrong);
      statuses.push(result.allowed ? 200 : result.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 403]);
    assert.deepEqual(sleeps, [100, 200]);
    const right = withAuth(req, digestHeader(challenge, req, 'alice', 'alice-pass'));
    const blocked = await authenticator.authenticate(right);
    assert.equal(!blocked.allowed && blocked.status, 403, 'even the right password is refused while blocked');
    assert.match(!blocked.allowed ? blocked.reason : '', /too many failed logins/);
    assert.equal((await authenticator.authenticate(request('open/movie.mp4'))).allowed, true);
    assert.equal((await authenticator.authenticate({ ...right, clientAddress: '203.0.113.5' })).allowed, false, 'nonce bound to the other address → stale');
    const other = { ...req, clientAddress: '203.0.113.5' };
    const otherChallenge = challengeOf(await authenticator.authenticate(other));
    assert.equal((await authenticator.authenticate(withAuth(other, digestHeader(otherChallenge, other, 'alice', 'alice-pass')))).allowed, true);
    clock.now += 60_001;
    const later = challengeOf(await authenticator.authenticate(req));
    assert.equal((await authenticator.authenticate(withAuth(req, digestHeader(later, req, 'alice', 'alice-pass')))).allowed, true, 'block served');
  });
});
