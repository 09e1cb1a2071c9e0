import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { verifyCryptPassword } from '../../../domain/auth/crypt/passwordHash.js';
import {
  addGroup,
  addMember,
  formatGroupsFile,
  groupsOf,
  listGroups,
  parseGroupsFile,
  removeFromAllGroups,
  removeGroup,
  removeMember,
} from '../../../domain/auth/groupsFile.js';
import { nameProblem, passwordProblem, realmProblem } from '../../../domain/auth/names.js';
import { digestHa1, emptyUsersFile, findUser, formatUsersFile, listUsers, parseUsersFile, removeUser, upsertUser } from '../../../domain/auth/usersFile.js';

const DSS_FILE = 'realm Streaming Server\naGFja21l:0muym.z3yrHSw:fa000739887bb2871bcf0c9201b5ebd5\n';

describe('qtusers', () => {
  it('parses the DSS test vector, and both parts verify', () => {
    const file = parseUsersFile(DSS_FILE);
    assert.deepEqual(file.errors, []);
    assert.equal(file.realm, 'Streaming Server');
    const user = findUser(file, 'aGFja21l');
    assert.deepEqual(user, { name: 'aGFja21l', cryptHash: '0muym.z3yrHSw', digestHa1: 'fa000739887bb2871bcf0c9201b5ebd5' });
    assert.equal(verifyCryptPassword('aGFja21l', user!.cryptHash), true);
    assert.equal(digestHa1('aGFja21l', file.realm, 'aGFja21l'), user!.digestHa1);
    assert.equal(formatUsersFile(file), DSS_FILE);
  });

  it('defaults the realm when the realm line is missing, and says so', () => {
    const file = parseUsersFile('alice:abJnggxhB/yWI:0123456789abcdef0123456789ABCDEF\n');
    assert.equal(file.realm, 'Streaming Server');
    assert.equal(file.hasRealmLine, false);
    assert.deepEqual(
      file.errors.map((e) => e.line),
      [1],
    );
    assert.equal(findUser(file, 'alice')?.digestHa1, '0123456789abcdef0123456789abcdef');
  });

  it('keeps bad lines verbatim, reports them, and ignores duplicates after the first', () => {
    const text = 'realm My Realm\r\n\r\nbad line\nbob:hash:nothex\nbob:abJnggxhB/yWI\nbob:zzJZ5PtvFqi9o\n:x:y\n';
    const file = parseUsersFile(text);
    assert.equal(file.realm, 'My Realm');
    assert.deepEqual(
      file.errors.map((e) => e.line),
      [3, 4, 6, 7],
    );
    assert.deepEqual(listUsers(file), [{ name: 'bob', cryptHash: 'abJnggxhB/yWI', digestHa1: null }]);
    assert.equal(formatUsersFile(file), 'realm My Realm\nbad line\nbob:hash:nothex\nbob:abJnggxhB/yWI\nbob:zzJZ5PtvFqi9o\n:x:y\n');
  });

  it('adds, replaces in place and removes users', () => {
    let file = emptyUsersFile('R');
    file = upsertUser(file, { name: 'a', cryptHash: 'h1', digestHa1: digestHa1('a', 'R', 'p') });
    file = upsertUser(file, { name: 'b', cryptHash: 'h2', digestHa1: null });
    file = upsertUser(file, { name: 'a', cryptHash: 'h3', digestHa1: null });
    assert.equal(formatUsersFile(file), 'realm R\na:h3\nb:h2\n');
    assert.equal(formatUsersFile(removeUser(file, 'a')), 'realm R\nb:h2\n');
  });

  it('never throws, and formatting then parsing keeps every user (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const file = parseUsersFile(text);
        const again = parseUsersFile(formatUsersFile(file));
        assert.deepEqual(listUsers(again), listUsers(file));
        assert.equal(again.realm, file.realm.trim() === '' ? 'Streaming Server' : file.realm);
      }),
      { numRuns: 300 },
    );
  });
});

describe('qtgroups', () => {
  it('parses groups, merges repeats, keeps bad lines', () => {
    const file = parseGroupsFile('broadcaster: bob alice\nstaff:\nno colon here\nbroadcaster: carol bob\n  press :  x\ty  \n');
    assert.deepEqual(listGroups(file), [
      { name: 'broadcaster', members: ['bob', 'alice', 'carol'] },
      { name: 'staff', members: [] },
      { name: 'press', members: ['x', 'y'] },
    ]);
    assert.deepEqual(
      file.errors.map((e) => e.line),
      [3, 4],
    );
    assert.deepEqual(groupsOf(file, 'bob'), ['broadcaster']);
    assert.deepEqual(groupsOf(file, 'y'), ['press']);
    assert.equal(formatGroupsFile(file), 'broadcaster: bob alice carol\nstaff:\nno colon here\npress: x y\n');
  });

  it('edits groups and members', () => {
    let file = parseGroupsFile('');
    file = addGroup(file, 'g');
    file = addGroup(file, 'g');
    file = addMember(file, 'g', 'a');
    file = addMember(file, 'g', 'b');
    file = addMember(file, 'g', 'a');
    file = addGroup(file, 'h');
    file = addMember(file, 'h', 'a');
    assert.equal(formatGroupsFile(file), 'g: a b\nh: a\n');
    assert.equal(formatGroupsFile(removeMember(file, 'g', 'a')), 'g: b\nh: a\n');
    assert.equal(formatGroupsFile(removeFromAllGroups(file, 'a')), 'g: b\nh:\n');
    assert.equal(formatGroupsFile(removeGroup(file, 'g')), 'h: a\n');
  });

  it('never throws, and formatting then parsing keeps every group (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const file = parseGroupsFile(text);
        assert.deepEqual(listGroups(parseGroupsFile(formatGroupsFile(file))), listGroups(file));
      }),
      { numRuns: 300 },
    );
  });
});

describe('name, password and realm rules', () => {
  it('follows DSS limits plus no whitespace/control characters in names', () => {
    assert.equal(nameProblem('alice'), null);
    assert.equal(nameProblem('x'.repeat(255)), null);
    assert.match(nameProblem('x'.repeat(256))!, /255/);
    assert.match(nameProblem('a:b')!, /":"/);
    assert.match(nameProblem('')!, /empty/);
    assert.match(nameProblem('john smith')!, /whitespace/);
    assert.match(nameProblem('a\nb')!, /control/);
    assert.equal(passwordProblem('p'.repeat(80)), null);
    assert.match(passwordProblem('p'.repeat(81))!, /80/);
    assert.equal(passwordProblem('é'.repeat(80)), null);
    assert.match(passwordProblem('')!, /empty/);
    assert.equal(realmProblem('Streaming Server'), null);
    assert.match(realmProblem('say "hi"')!, /quote/);
    assert.match(realmProblem(' ')!, /empty/);
  });
});
