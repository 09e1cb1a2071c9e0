import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_ACCESS_POLICY_SETTINGS, decideAccessPolicy, schemeFor, type AccessPolicySettings, type PolicyDecision } from '../../../domain/auth/accessPolicy.js';
import { addressMatches, isLoopbackAddress, parseAddress, parseAddressPattern } from '../../../domain/auth/addressPattern.js';
import { parseQtaccess, type AccessAction, type AccessUser } from '../../../domain/auth/qtaccess.js';

const alice: AccessUser = { name: 'alice', groups: [] };
const caster: AccessUser = { name: 'bob', groups: ['broadcaster'] };
const REMOTE = '203.0.113.9';

function summary(decision: PolicyDecision): string {
  if (decision.outcome === 'allow') return 'allow';
  if (decision.outcome === 'forbid') return '403';
  return `401 ${decision.scheme} "${decision.realm}"`;
}

function decide(
  action: AccessAction,
  options: { qtaccess?: string; user?: AccessUser | null; address?: string; settings?: Partial<AccessPolicySettings>; usersRealm?: string } = {},
): string {
  return summary(
    decideAccessPolicy(
      {
        action,
        qtaccess: options.qtaccess === undefined ? null : parseQtaccess(options.qtaccess),
        clientAddress: options.address ?? REMOTE,
        user: options.user ?? null,
        ...(options.usersRealm !== undefined && { usersRealm: options.usersRealm }),
      },
      { ...DEFAULT_ACCESS_POLICY_SETTINGS, ...options.settings },
    ),
  );
}

describe('access policy defaults', () => {
  it('has QTSS defaults: guests allowed, digest, local broadcasts unauthenticated, allow-list 127.0.0.*', () => {
    assert.deepEqual(
      { ...DEFAULT_ACCESS_POLICY_SETTINGS },
      {
        guestAccess: true,
        defaultScheme: 'digest',
        authenticateLocalBroadcasts: false,
        broadcastAllowList: ['127.0.0.*'],
        broadcasterGroup: 'broadcaster',
        defaultRealm: 'Streaming Server',
      },
    );
  });

  const rows: Array<[string, string, string]> = [
    ['no qtaccess: anonymous READ is open', decide('READ'), 'allow'],
    ['no qtaccess, guest access off: READ needs a user (digest)', decide('READ', { settings: { guestAccess: false } }), '401 digest "Streaming Server"'],
    ['no qtaccess, guest access off: an authenticated user reads', decide('READ', { settings: { guestAccess: false }, user: alice }), 'allow'],
    ['no qtaccess: remote anonymous WRITE is challenged', decide('WRITE'), '401 digest "Streaming Server"'],
    ['no qtaccess: any authenticated user may WRITE', decide('WRITE', { user: alice }), 'allow'],
    ['loopback IPv4 WRITE needs nothing', decide('WRITE', { address: '127.0.0.1' }), 'allow'],
    ['loopback 127.0.0.2 WRITE needs nothing', decide('WRITE', { address: '127.0.0.2' }), 'allow'],
    ['loopback IPv6 ::1 WRITE needs nothing', decide('WRITE', { address: '::1' }), 'allow'],
    ['IPv4-mapped loopback WRITE needs nothing', decide('WRITE', { address: '::ffff:127.0.0.1' }), 'allow'],
    [
      'local broadcasts must authenticate: loopback is challenged, even though 127.0.0.* is in the allow-list',
      decide('WRITE', { address: '127.0.0.1', settings: { authenticateLocalBroadcasts: true } }),
      '401 digest "Streaming Server"',
    ],
    ['allow-list entry admits a remote broadcaster', decide('WRITE', { settings: { broadcastAllowList: ['203.0.113.*'] } }), 'allow'],
    ['allow-list CIDR', decide('WRITE', { settings: { broadcastAllowList: ['203.0.113.0/24'] } }), 'allow'],
    ['allow-list not matching', decide('WRITE', { settings: { broadcastAllowList: ['198.51.100.*', 'bogus'] } }), '401 digest "Streaming Server"'],
    ['broadcaster group may WRITE even where the qtaccess says otherwise', decide('WRITE', { qtaccess: '<Limit WRITE>\nrequire user carol\n</Limit>', user: caster }), 'allow'],
    ['qtaccess WRITE rule admits its user', decide('WRITE', { qtaccess: '<Limit WRITE>\nrequire user alice\n</Limit>', user: alice }), 'allow'],
    ['qtaccess without WRITE rules: a plain user cannot broadcast (group broadcaster could)', decide('WRITE', { qtaccess: 'require any-user', user: alice }), '401 digest "Streaming Server"'],
    ['qtaccess READ valid-user challenges anonymous readers', decide('READ', { qtaccess: 'require valid-user' }), '401 digest "Streaming Server"'],
    ['Digest realm is the users file realm, not AuthName', decide('READ', { qtaccess: 'AuthName Club\nrequire valid-user', usersRealm: 'Users Realm' }), '401 digest "Users Realm"'],
    ['Basic realm is AuthName', decide('READ', { qtaccess: 'AuthName Club\nAuthScheme basic\nrequire valid-user', usersRealm: 'Users Realm' }), '401 basic "Club"'],
    ['Basic without AuthName uses the users file realm', decide('READ', { qtaccess: 'AuthScheme basic\nrequire valid-user', usersRealm: 'Users Realm' }), '401 basic "Users Realm"'],
    ['server default scheme basic', decide('READ', { qtaccess: 'require valid-user', settings: { defaultScheme: 'basic' } }), '401 basic "Streaming Server"'],
    ['scheme none: 403 instead of a challenge', decide('READ', { qtaccess: 'AuthScheme none\nrequire valid-user' }), '403'],
    ['scheme none still lets any-user read', decide('READ', { qtaccess: 'AuthScheme none\nrequire any-user' }), 'allow'],
    ['server scheme none: remote WRITE is 403', decide('WRITE', { settings: { defaultScheme: 'none' } }), '403'],
    ['qtaccess that nobody can satisfy: 403 for READ', decide('READ', { qtaccess: '<Limit WRITE>\nrequire any-user\n</Limit>' }), '403'],
    ['authenticated but not listed: challenged again (may log in as someone else)', decide('READ', { qtaccess: 'require user carol', user: alice }), '401 digest "Streaming Server"'],
    ['a deny-stop before any rule that needs a user: 403', decide('READ', { qtaccess: 'require bogus\nrequire valid-user' }), '403'],
  ];
  for (const [name, got, expected] of rows) {
    it(name, () => assert.equal(got, expected));
  }

  it('picks the scheme from the qtaccess for the action, else the server', () => {
    const file = parseQtaccess('AuthScheme basic\n<Limit WRITE>\nAuthScheme none\n</Limit>');
    assert.equal(schemeFor(file, 'READ', DEFAULT_ACCESS_POLICY_SETTINGS), 'basic');
    assert.equal(schemeFor(file, 'WRITE', DEFAULT_ACCESS_POLICY_SETTINGS), 'none');
    assert.equal(schemeFor(null, 'READ', DEFAULT_ACCESS_POLICY_SETTINGS), 'digest');
  });
});

describe('addresses and allow-list patterns', () => {
  it('parses IPv4, IPv6, mapped, bracketed and zoned addresses', () => {
    assert.deepEqual(parseAddress('10.1.2.3'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.deepEqual(parseAddress('::ffff:10.1.2.3'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.deepEqual(parseAddress('::ffff:a01:203'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.equal(parseAddress('[::1]')?.family, 6);
    assert.equal(parseAddress('fe80::1%eth0')?.family, 6);
    assert.deepEqual(parseAddress('2001:db8::8:800:200c:417a')?.bytes.slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
    for (const bad of ['', '1.2.3', '1.2.3.256', '::1::', '1:2:3:4:5:6:7:8:9', 'hostname', '01234::', ':::']) assert.equal(parseAddress(bad), null, bad);
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['128.0.0.1', '::2', '10.0.0.1', 'localhost', '::']) assert.equal(isLoopbackAddress(a), false, a);
  });

  const cases: Array<[string, string, boolean]> = [
    ['127.0.0.*', '127.0.0.1', true],
    ['127.0.0.*', '::ffff:127.0.0.44', true],
    ['127.0.0.*', '127.0.1.1', false],
    ['10.*', '10.200.3.4', true],
    ['10.*.*.*', '11.0.0.1', false],
    ['192.168.1.20', '192.168.1.20', true],
    ['192.168.1.20', '192.168.1.21', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['::1', '::1', true],
    ['::1', '127.0.0.1', false],
    ['fe80::/10', 'fe80::abcd%eth0', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['*', '198.51.100.7', true],
    ['*', 'not-an-address', false],
  ];
  for (const [pattern, address, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${address}`, () => {
      const parsed = parseAddressPattern(pattern);
      assert.ok(parsed, pattern);
      assert.equal(addressMatches(parsed, address), expected);
    });
  }

  it('refuses malformed patterns', () => {
    for (const bad of ['127.*.0.1', '1.2.3.4/33', '::1/129', '300.*', 'a.b.c.*', '1.2.3.4.*', '']) assert.equal(parseAddressPattern(bad), null, bad);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), (pattern, address) => {
        const parsed = parseAddressPattern(pattern);
        if (parsed) assert.equal(typeof addressMatches(parsed, address), 'boolean');
        isLoopbackAddress(address);
      }),
      { numRuns: 400 },
    );
  });
});
