import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideAccess, parseQtaccess, qtaccessFor, type AccessAction, type AccessUser } from '../../../domain/auth/qtaccess.js';
import { singleValue, splitQuotedWords } from '../../../domain/auth/quotedWords.js';

const alice: AccessUser = { name: 'alice', groups: ['staff'] };
const bob: AccessUser = { name: 'bob', groups: ['broadcaster', 'press'] };
const carol: AccessUser = { name: 'carol', groups: [] };
const john: AccessUser = { name: 'john smith', groups: [] };

type Who = 'anon' | 'alice' | 'bob' | 'carol' | 'john';
const USERS: Record<Who, AccessUser | null> = { anon: null, alice, bob, carol, john };

/** Expected outcome: allow, 401-ish (deny, authenticating may help) or 403-ish (deny, it cannot). */
type Expect = 'allow' | 'auth' | 'deny';

interface Row {
  readonly name: string;
  readonly file: string;
  readonly expect: Partial<Record<`${AccessAction} ${Who}`, Expect>>;
  readonly errors?: number[];
}

const table: Row[] = [
  {
    name: 'empty file denies everything (no require matches)',
    file: '',
    expect: { 'READ anon': 'deny', 'READ alice': 'deny', 'WRITE alice': 'deny' },
  },
  {
    name: 'require any-user opens reads only',
    file: 'require any-user\n',
    expect: { 'READ anon': 'allow', 'READ alice': 'allow', 'WRITE anon': 'deny', 'WRITE alice': 'deny' },
  },
  {
    name: 'require valid-user needs any authenticated user',
    file: '# comment\n\nAuthName "Members only"\nrequire valid-user\n',
    expect: { 'READ anon': 'auth', 'READ alice': 'allow', 'READ carol': 'allow', 'WRITE alice': 'deny' },
  },
  {
    name: 'require user lists names',
    file: 'require user alice carol\n',
    expect: { 'READ anon': 'auth', 'READ alice': 'allow', 'READ carol': 'allow', 'READ bob': 'auth' },
  },
  {
    name: 'require group lists groups',
    file: 'require group press staff\n',
    expect: { 'READ anon': 'auth', 'READ alice': 'allow', 'READ bob': 'allow', 'READ carol': 'auth' },
  },
  {
    name: 'quoted user names may hold spaces',
    file: 'require user "john smith" alice\n',
    expect: { 'READ john': 'allow', 'READ alice': 'allow', 'READ carol': 'auth' },
  },
  {
    name: 'first matching require wins; several lines add up',
    file: 'require user carol\nrequire group press\n',
    expect: { 'READ carol': 'allow', 'READ bob': 'allow', 'READ alice': 'auth' },
  },
  {
    name: 'Limit WRITE block applies to writes only, outside lines to reads only',
    file: 'require any-user\n<Limit WRITE>\n  require group broadcaster\n</Limit>\n',
    expect: { 'READ anon': 'allow', 'WRITE anon': 'auth', 'WRITE alice': 'auth', 'WRITE bob': 'allow' },
  },
  {
    name: 'Limit READ WRITE block applies to both',
    file: '<Limit READ WRITE>\nrequire user alice\n</Limit>\n',
    expect: { 'READ alice': 'allow', 'WRITE alice': 'allow', 'READ bob': 'auth', 'WRITE bob': 'auth' },
  },
  {
    name: 'Limit READ block: writes have no rule, so they are denied',
    file: '<Limit READ>\nrequire any-user\n</Limit>\n',
    expect: { 'READ anon': 'allow', 'WRITE alice': 'deny' },
  },
  {
    name: 'lines after </Limit> go back to READ',
    file: '<Limit WRITE>\nrequire user bob\n</Limit>\nrequire user carol\n',
    expect: { 'READ carol': 'allow', 'READ bob': 'auth', 'WRITE bob': 'allow', 'WRITE carol': 'auth' },
  },
  {
    name: '<Limit READ > with a space before > is fine',
    file: '<Limit  WRITE  READ >\nrequire valid-user\n</Limit>',
    expect: { 'READ alice': 'allow', 'WRITE alice': 'allow' },
  },
  {
    name: 'CRLF line endings and indentation',
    file: '\r\n   require user alice\r\n\t# indented comment\r\n',
    expect: { 'READ alice': 'allow', 'READ bob': 'auth' },
  },
  {
    name: 'a bad require line denies from there on (it never opens access)',
    file: 'require user alice\nrequire everybody\nrequire any-user\n',
    expect: { 'READ alice': 'allow', 'READ anon': 'auth', 'READ bob': 'auth' },
    errors: [2],
  },
  {
    name: 'require user with no names is a deny-stop',
    file: 'require user\nrequire any-user\n',
    expect: { 'READ anon': 'deny', 'READ alice': 'deny' },
    errors: [1],
  },
  {
    name: 'bare require is a deny-stop',
    file: 'require\nrequire any-user\n',
    expect: { 'READ anon': 'deny' },
    errors: [1],
  },
  {
    name: 'require valid-user with extra words is a deny-stop',
    file: 'require valid-user bob\nrequire any-user\n',
    expect: { 'READ anon': 'deny', 'READ bob': 'deny' },
    errors: [1],
  },
  {
    name: 'keywords are case-sensitive: Require denies from there on',
    file: 'Require any-user\nrequire any-user\n',
    expect: { 'READ anon': 'deny' },
    errors: [1],
  },
  {
    name: 'unterminated quote on a require line is a deny-stop',
    file: 'require user "alice\nrequire any-user\n',
    expect: { 'READ anon': 'deny', 'READ alice': 'deny' },
    errors: [1],
  },
  {
    name: 'unknown keywords are reported and ignored',
    file: 'Options Indexes\nrequire any-user\n',
    expect: { 'READ anon': 'allow' },
    errors: [1],
  },
  {
    name: 'an unclosed Limit block is ignored and denies both actions from its line',
    file: 'require user carol\n<Limit WRITE>\nrequire any-user\nrequire any-user\n',
    expect: { 'READ carol': 'allow', 'READ anon': 'auth', 'WRITE anon': 'deny', 'WRITE carol': 'deny' },
    errors: [2],
  },
  {
    name: 'a nested Limit block is ignored and denies; the outer block goes on after it',
    file: '<Limit WRITE>\nrequire user bob\n<Limit READ>\nrequire any-user\n</Limit>\nrequire user carol\n</Limit>\nrequire any-user\n',
    expect: { 'WRITE bob': 'allow', 'WRITE carol': 'auth', 'READ anon': 'deny', 'READ alice': 'deny' },
    errors: [3],
  },
  {
    name: 'a misspelled Limit opener is a deny-stop and its block is ignored',
    file: '<Limt WRITE>\nrequire any-user\n</Limit>\nrequire any-user\n',
    expect: { 'READ anon': 'deny', 'WRITE anon': 'deny' },
    errors: [1],
  },
  {
    name: 'a lower-case <limit> is a deny-stop (keywords are case-sensitive)',
    file: 'require user alice\n<limit WRITE>\nrequire any-user\n</limit>\n',
    expect: { 'READ alice': 'allow', 'READ anon': 'auth', 'WRITE anon': 'deny' },
    errors: [2, 4],
  },
  {
    name: 'an unknown method in Limit (Apache habit) is a deny-stop',
    file: '<Limit GET>\nrequire any-user\n</Limit>\nrequire any-user\n',
    expect: { 'READ anon': 'deny' },
    errors: [1],
  },
  {
    name: 'a stray </Limit> is reported and ignored',
    file: 'require any-user\n</Limit>\n',
    expect: { 'READ anon': 'allow' },
    errors: [2],
  },
  {
    name: 'a bad AuthUserFile is a deny-stop (a wider default file must not count instead)',
    file: 'AuthUserFile "unterminated\nrequire valid-user\n',
    expect: { 'READ alice': 'deny' },
    errors: [1],
  },
  {
    name: 'a bad AuthScheme is ignored (the server scheme applies)',
    file: 'AuthScheme kerberos\nrequire valid-user\n',
    expect: { 'READ alice': 'allow', 'READ anon': 'auth' },
    errors: [1],
  },
];

describe('qtaccess decisions', () => {
  for (const row of table) {
    it(row.name, () => {
      const file = parseQtaccess(row.file);
      for (const [key, expected] of Object.entries(row.expect)) {
        const [action, who] = key.split(' ') as [AccessAction, Who];
        const decision = decideAccess(file, { action, user: USERS[who] });
        const got: Expect = decision.allowed ? 'allow' : decision.needsAuth ? 'auth' : 'deny';
        assert.equal(got, expected, `${key}: ${JSON.stringify(decision)}`);
      }
      assert.deepEqual(
        file.errors.map((e) => e.line),
        row.errors ?? [],
        JSON.stringify(file.errors),
      );
    });
  }
});

describe('qtaccess settings per action', () => {
  it('reads AuthName, AuthUserFile, AuthGroupFile and AuthScheme, quoted or not', () => {
    const file = parseQtaccess(
      [
        'AuthName "Private Movies"',
        'AuthUserFile /etc/streaming/private users',
        'AuthGroupFile "/etc/streaming/private groups"',
        'AuthScheme Basic',
        'require valid-user',
      ].join('\n'),
    );
    assert.deepEqual(file.errors, []);
    const view = qtaccessFor(file, 'READ');
    assert.equal(view.authName, 'Private Movies');
    assert.equal(view.authUserFile, '/etc/streaming/private users');
    assert.equal(view.authGroupFile, '/etc/streaming/private groups');
    assert.equal(view.authScheme, 'basic');
    assert.deepEqual(qtaccessFor(file, 'WRITE'), { requirements: [] });
  });

  it('scopes directives inside Limit blocks to their actions; the last one wins', () => {
    const file = parseQtaccess('AuthScheme digest\nAuthScheme none\n<Limit WRITE>\nAuthScheme basic\nAuthUserFile broadcasters\nrequire valid-user\n</Limit>\n');
    assert.equal(qtaccessFor(file, 'READ').authScheme, 'none');
    assert.equal(qtaccessFor(file, 'READ').authUserFile, undefined);
    assert.equal(qtaccessFor(file, 'WRITE').authScheme, 'basic');
    assert.equal(qtaccessFor(file, 'WRITE').authUserFile, 'broadcasters');
  });

  it('refuses AuthName values that cannot be put in a challenge', () => {
    const file = parseQtaccess('AuthName "a \\"quoted\\" realm"\nAuthName\n');
    assert.deepEqual(
      file.errors.map((e) => e.line),
      [1, 2],
    );
    assert.equal(qtaccessFor(file, 'READ').authName, undefined);
  });

  it('reports line numbers in order', () => {
    const file = parseQtaccess('bogus\nrequire any-user\n<Limit READ>\nrequire\n');
    assert.deepEqual(
      file.errors.map((e) => e.line),
      [1, 3, 4],
    );
  });
});

describe('quoted words', () => {
  it('splits words and quoted values with escapes', () => {
    assert.deepEqual(splitQuotedWords(' user "john smith"  "say \\"hi\\"" back\\slash '), { ok: true, words: ['user', 'john smith', 'say "hi"', 'back\\slash'] });
    assert.equal(splitQuotedWords('"open').ok, false);
    assert.equal(splitQuotedWords('"a"b').ok, false);
    assert.deepEqual(singleValue('  My Realm  '), { ok: true, value: 'My Realm' });
    assert.deepEqual(singleValue('"My Realm"'), { ok: true, value: 'My Realm' });
    assert.equal(singleValue('"a" b').ok, false);
    assert.equal(singleValue('   ').ok, false);
  });
});

describe('qtaccess parser properties', () => {
  const lineArb = fc.oneof(
    fc.string(),
    fc.constantFrom('<Limit READ>', '<Limit WRITE>', '<Limit READ WRITE>', '</Limit>', '<limit read>', 'require any-user', 'require valid-user', 'require', '#c', ''),
    fc.tuple(fc.constantFrom('require user', 'require group', 'AuthName', 'AuthUserFile', 'AuthScheme', 'Require'), fc.string()).map(([a, b]) => `${a} ${b}`),
  );
  const fileArb = fc.array(lineArb, { maxLength: 30 }).map((lines) => lines.join('\n'));

  it('never throws on arbitrary text and always decides', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fileArb), fc.constantFrom<AccessAction>('READ', 'WRITE'), (text, action) => {
        const file = parseQtaccess(text);
        for (const user of [null, alice, bob]) {
          const decision = decideAccess(file, { action, user });
          assert.equal(typeof decision.allowed, 'boolean');
        }
        for (const e of file.errors) assert.ok(e.line >= 1);
      }),
      { numRuns: 300 },
    );
  });

  it('never grants more than the same file without its unparseable lines would (errors only take away)', () => {
    fc.assert(
      fc.property(fileArb, (text) => {
        const file = parseQtaccess(text);
        const badLines = new Set(file.errors.map((e) => e.line));
        // Appending a bad require line must never turn a denial into an allow.
        const worse = parseQtaccess(`${text}\nrequire nonsense`);
        for (const action of ['READ', 'WRITE'] as const) {
          for (const user of [null, alice, bob]) {
            if (!decideAccess(file, { action, user }).allowed) assert.equal(decideAccess(worse, { action, user }).allowed, false);
          }
        }
        assert.ok(badLines.size <= text.split(/\r\n|\n|\r/).length);
      }),
      { numRuns: 300 },
    );
  });
});
