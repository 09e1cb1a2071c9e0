import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAuthParams, quoteString } from '../../../domain/auth/authParams.js';
import { formatBasicAuthorization, formatBasicChallenge, parseBasicAuthorization } from '../../../domain/auth/basic.js';
import {
  checkNonce,
  createNonce,
  digestResponse,
  formatDigestAuthorization,
  formatDigestChallenge,
  NONCE_HEX_LENGTH,
  NonceCounter,
  parseDigestAuthorization,
  parseDigestChallenge,
  sameRequestUri,
  verifyDigestResponse,
  type DigestCredentials,
} from '../../../domain/auth/digest.js';
import { digestHa1 } from '../../../domain/auth/usersFile.js';

describe('auth-param lists', () => {
  it('handles quoted strings with commas, escapes, spaces and any case of names', () => {
    const params = parseAuthParams('Username="a, b", realm = "say \\"hi\\"" , qop=auth,,nc=00000001, uri="/x?y=1,2"');
    assert.deepEqual(Object.fromEntries(params!), { username: 'a, b', realm: 'say "hi"', qop: 'auth', nc: '00000001', uri: '/x?y=1,2' });
  });
  it('refuses malformed lists and repeated names', () => {
    for (const bad of ['a', 'a=', 'a="open', 'a=1 b=2', 'a=1, a=2', '=1', 'a=1;b=2']) assert.equal(parseAuthParams(bad), null, bad);
  });
  it('quotes what it writes', () => {
    assert.equal(quoteString('a "b" \\c'), '"a \\"b\\" \\\\c"');
  });
});

describe('Basic', () => {
  it('parses credentials and refuses malformed ones', () => {
    assert.deepEqual(parseBasicAuthorization('Basic YWxhZGRpbjpvcGVuc2VzYW1l'), { username: 'aladdin', password: 'opensesame' });
    assert.deepEqual(parseBasicAuthorization('basic   dXNlcjpwYTpzczp3b3Jk'), { username: 'user', password: 'pa:ss:word' });
    assert.deepEqual(parseBasicAuthorization(formatBasicAuthorization({ username: 'jörg', password: '' })), { username: 'jörg', password: '' });
    for (const bad of ['Basic', 'Basic !!!', 'Basic bm9jb2xvbg==', 'Basic OnBhc3M=', 'Digest YWJjOmRlZg==', 'Basic a']) {
      assert.equal(parseBasicAuthorization(bad), null, bad);
    }
  });
  it('builds the challenge', () => {
    assert.equal(formatBasicChallenge('Streaming Server'), 'Basic realm="Streaming Server"');
  });
});

describe('Digest responses', () => {
  it('matches the RFC 2617 §3.5 example (qop=auth)', () => {
    const header =
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
      'qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const parsed = parseDigestAuthorization(header);
    assert.ok(parsed.ok);
    const ha1 = digestHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life');
    assert.equal(
      verifyDigestResponse(parsed.credentials, { ha1, method: 'GET', realm: 'testrealm@host.com', requestUri: '/dir/index.html' }),
      true,
    );
    assert.equal(
      verifyDigestResponse(parsed.credentials, { ha1, method: 'POST', realm: 'testrealm@host.com', requestUri: '/dir/index.html' }),
      false,
    );
    assert.equal(parsed.credentials.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  });

  // Computed independently with Python's hashlib when the tests were written.
  const ha1 = 'fa000739887bb2871bcf0c9201b5ebd5'; // aGFja21l:Streaming Server:aGFja21l, the DSS vector
  const uri = 'rtsp://127.0.0.1:8554/secret/movie.mp4';
  const nonce = '3f2a9c0e5b7d1e4f';
  const vectors: Array<{ name: string; input: Parameters<typeof digestResponse>[0]; response: string }> = [
    { name: 'without qop (QuickTime, live555)', input: { ha1, method: 'DESCRIBE', uri, nonce }, response: '94d4b1a8453108f8b569a8f2cb5be128' },
    {
      name: 'with qop=auth',
      input: { ha1, method: 'SETUP', uri: `${uri}/trackID=1`, nonce, qop: 'auth', nc: '0000000a', cnonce: 'c0ffee' },
      response: '772650d92e0659bb2d472223834ce66b',
    },
    {
      name: 'MD5-sess with qop=auth',
      input: { ha1, method: 'DESCRIBE', uri, nonce, qop: 'auth', nc: '00000001', cnonce: 'c0ffee', algorithm: 'MD5-sess' },
      response: 'b5dc813f333805f6c1b4ff49f6c51ab9',
    },
  ];
  for (const vector of vectors) {
    it(`computes and verifies ${vector.name}`, () => {
      assert.equal(digestResponse(vector.input), vector.response);
      const header = formatDigestAuthorization({
        username: 'aGFja21l',
        realm: 'Streaming Server',
        nonce,
        uri: vector.input.uri,
        response: vector.response.toUpperCase(),
        ...(vector.input.qop && { qop: vector.input.qop, nc: vector.input.nc!, cnonce: vector.input.cnonce! }),
        ...(vector.input.algorithm && { algorithm: vector.input.algorithm }),
      });
      const parsed = parseDigestAuthorization(header);
      assert.ok(parsed.ok, header);
      const expected = { ha1, method: vector.input.method, realm: 'Streaming Server', requestUri: vector.input.uri };
      assert.equal(verifyDigestResponse(parsed.credentials, expected), true);
      assert.equal(verifyDigestResponse(parsed.credentials, { ...expected, realm: 'Other' }), false, 'realm must be the users file realm');
      assert.equal(verifyDigestResponse(parsed.credentials, { ...expected, requestUri: 'rtsp://127.0.0.1:8554/other.mp4' }), false, 'uri must name the request');
      assert.equal(verifyDigestResponse({ ...parsed.credentials, response: '0'.repeat(32) }, expected), false);
    });
  }

  it('accepts a path-only digest-uri for an absolute request URL (and vice versa)', () => {
    assert.equal(sameRequestUri('/secret/movie.mp4', 'rtsp://host:554/secret/movie.mp4'), true);
    assert.equal(sameRequestUri('rtsp://host/secret/movie.mp4/', 'rtsp://other/secret/movie.mp4'), true);
    assert.equal(sameRequestUri('/secret/movie.mp4', 'rtsp://host/secret/other.mp4'), false);
    assert.equal(sameRequestUri('rtsp://host', 'rtsp://host/'), true);
  });

  it('refuses incomplete or unsupported Digest headers with a reason', () => {
    const base = 'username="u", realm="r", nonce="n", uri="/", response="0123456789abcdef0123456789abcdef"';
    assert.ok(parseDigestAuthorization(`Digest ${base}`).ok);
    const bad: Array<[string, RegExp]> = [
      ['Basic abc', /not a Digest/],
      [`Digest ${base.replace('username="u", ', '')}`, /username/],
      [`Digest ${base.replace('0123456789abcdef0123456789abcdef', 'xyz')}`, /32 hex/],
      [`Digest ${base}, qop=auth-int, nc=00000001, cnonce="c"`, /qop/],
      [`Digest ${base}, qop=auth, cnonce="c"`, /nc/],
      [`Digest ${base}, qop=auth, nc=00000001`, /cnonce/],
      [`Digest ${base}, algorithm=SHA-256`, /algorithm/],
      [`Digest ${base}, algorithm=MD5-sess`, /cnonce/],
      [`Digest ${base}, username="again"`, /malformed/],
    ];
    for (const [header, reason] of bad) {
      const parsed = parseDigestAuthorization(header);
      assert.equal(parsed.ok, false, header);
      if (!parsed.ok) assert.match(parsed.reason, reason, header);
    }
  });

  it('builds challenges with one realm and nonce, optional qop and stale="true"', () => {
    assert.equal(formatDigestChallenge({ realm: 'Streaming Server', nonce: 'abc' }), 'Digest realm="Streaming Server", nonce="abc"');
    assert.equal(
      formatDigestChallenge({ realm: 'R', nonce: 'abc', qop: true, stale: true }),
      'Digest realm="R", nonce="abc", qop="auth", stale="true"',
    );
    assert.deepEqual(parseDigestChallenge('Digest realm="R", nonce="abc", qop="auth,auth-int", stale=TRUE'), {
      realm: 'R',
      nonce: 'abc',
      stale: true,
      qop: ['auth', 'auth-int'],
    });
  });

  it('never throws on arbitrary headers (property)', () => {
    const headerArb = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .array(fc.tuple(fc.constantFrom('username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce', 'algorithm', 'x'), fc.string({ maxLength: 40 }), fc.boolean()), {
          maxLength: 12,
        })
        .map((params) => `Digest ${params.map(([k, v, quoted]) => `${k}=${quoted ? quoteString(v) : v}`).join(', ')}`),
    );
    fc.assert(
      fc.property(headerArb, (header) => {
        const parsed = parseDigestAuthorization(header);
        if (parsed.ok) verifyDigestResponse(parsed.credentials, { ha1: '0'.repeat(32), method: 'DESCRIBE', realm: 'r', requestUri: '/' });
        parseBasicAuthorization(header);
        parseDigestChallenge(header);
      }),
      { numRuns: 400 },
    );
  });
});

describe('Digest nonces', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const random = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);

  it('are fresh while young, stale when expired, invalid when forged or for another binding', () => {
    const nonce = createNonce({ secret, nowMs: 1_000_000, random, bindTo: '10.0.0.1' });
    assert.equal(nonce.length, NONCE_HEX_LENGTH);
    assert.match(nonce, /^[0-9a-f]+$/);
    const check = (nowMs: number, options: { bindTo?: string; secret?: Buffer; nonce?: string } = {}) =>
      checkNonce(options.nonce ?? nonce, { secret: options.secret ?? secret, nowMs, maxAgeMs: 60_000, bindTo: options.bindTo ?? '10.0.0.1' });
    assert.deepEqual(check(1_030_000), { status: 'fresh', issuedAtMs: 1_000_000 });
    assert.deepEqual(check(1_060_000), { status: 'fresh', issuedAtMs: 1_000_000 });
    assert.deepEqual(check(1_060_001), { status: 'stale', issuedAtMs: 1_000_000 });
    assert.deepEqual(check(1_030_000, { bindTo: '10.0.0.2' }), { status: 'invalid' });
    assert.deepEqual(check(1_030_000, { secret: Buffer.from('another secret') }), { status: 'invalid' });
    const tampered = `${nonce.slice(0, 15)}${nonce[15] === '0' ? '1' : '0'}${nonce.slice(16)}`;
    assert.deepEqual(check(1_030_000, { nonce: tampered }), { status: 'invalid' });
    for (const junk of ['', 'zz', nonce.toUpperCase(), `${nonce}00`]) assert.deepEqual(check(1_030_000, { nonce: junk }), { status: 'invalid' });
  });

  it('differ with the random bytes', () => {
    const a = createNonce({ secret, nowMs: 5, random });
    const b = createNonce({ secret, nowMs: 5, random: Buffer.from([9, 9, 9, 9, 9, 9, 9, 9]) });
    assert.notEqual(a, b);
    assert.throws(() => createNonce({ secret, nowMs: 5, random: Buffer.alloc(4) }), RangeError);
  });

  it('nonce-count must grow: a repeated or lower nc is a replay', () => {
    const counter = new NonceCounter(10);
    assert.equal(counter.check('n1', 1, 100), 'ok');
    assert.equal(counter.check('n1', 1, 100), 'replay');
    assert.equal(counter.check('n1', 3, 100), 'ok');
    assert.equal(counter.check('n1', 2, 100), 'replay');
    assert.equal(counter.check('n2', 1, 100), 'ok');
    assert.equal(counter.check('n1', 0, 100), 'replay');
    assert.equal(counter.check('n1', Number.NaN, 100), 'replay');
  });

  it('keeps bounded memory without ever re-opening a replay', () => {
    const counter = new NonceCounter(3);
    for (let i = 1; i <= 3; i++) assert.equal(counter.check(`n${i}`, 1, i * 10), 'ok');
    assert.equal(counter.check('n1', 2, 10), 'ok'); // n1 is now the most recently used
    assert.equal(counter.check('n4', 1, 40), 'ok'); // forgets n2 (least recently used)
    assert.equal(counter.size, 3);
    assert.equal(counter.check('n2', 2, 20), 'forgotten', 'a forgotten nonce is refused (stale), never re-accepted');
    assert.equal(counter.check('n0', 1, 5), 'forgotten', 'older unseen nonces are refused too');
    assert.equal(counter.check('n5', 1, 50), 'ok', 'newer nonces are fine');
    counter.prune(45);
    assert.equal(counter.size, 1);
    assert.equal(counter.check('n4', 2, 40), 'forgotten');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 5 })), { maxLength: 200 }), (uses) => {
        const c = new NonceCounter(8);
        const accepted = new Set<string>();
        for (const [n, count] of uses) {
          const verdict = c.check(`n${n}`, count, n);
          const key = `${n}/${count}`;
          if (verdict === 'ok') {
            assert.equal(accepted.has(key), false, `replayed ${key}`);
            accepted.add(key);
          }
          assert.ok(c.size <= 8);
        }
      }),
      { numRuns: 300 },
    );
  });
});
