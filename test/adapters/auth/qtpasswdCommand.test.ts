import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyCryptPassword } from '../../../domain/auth/crypt/passwordHash.js';
import { listGroups, parseGroupsFile } from '../../../domain/auth/groupsFile.js';
import { digestHa1, findUser, parseUsersFile } from '../../../domain/auth/usersFile.js';
import { parseQtpasswdArgs, runQtpasswd } from '../../../adapters/auth/qtpasswdCommand.js';
import { PromptInterrupted, StreamPrompter, type Prompter } from '../../../adapters/auth/terminalPrompt.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-qtpasswd-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scripted(answers: Array<string | null>): Prompter & { questions: string[] } {
  const questions: string[] = [];
  return {
    questions,
    async ask(question: string) {
      questions.push(question);
      if (answers.length === 0) return null;
      return answers.shift()!;
    },
    close() {},
  };
}

async function run(args: string[], answers: Array<string | null> = []) {
  let stdout = '';
  let stderr = '';
  const prompter = scripted(answers);
  const code = await runQtpasswd(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), prompter });
  return { code, stdout, stderr, questions: prompter.questions };
}

describe('qtpasswd arguments', () => {
  it('parses getopt-style flags', () => {
    const options = parseQtpasswdArgs(['-Fc', '-fusers', '-g', 'groups', '-r', 'My Realm', '-pSecret', '-A', 'g1', '-Ag2', 'alice']);
    assert.equal(options.force, true);
    assert.equal(options.create, true);
    assert.equal(options.usersFile, 'users');
    assert.equal(options.groupsFile, 'groups');
    assert.equal(options.realm, 'My Realm');
    assert.equal(options.password, 'Secret');
    assert.deepEqual(options.addTo, ['g1', 'g2']);
    assert.equal(options.username, 'alice');
    assert.equal(parseQtpasswdArgs(['--', '-dash-user']).username, '-dash-user');
  });

  const usage: Array<[string[], RegExp]> = [
    [['-x', 'u'], /unknown option -x/],
    [['-f'], /needs a value/],
    [['-r', 'R', 'u'], /-r \(realm\) is only allowed with -c/],
    [['-p', 'a', '-P', 'f', 'u'], /not both/],
    [['-C', 'g', 'u'], /take no username/],
    [['-C', 'g', '-R', 'h'], /not both/],
    [['-d'], /needs a username/],
    [['-d', '-A', 'g', 'u'], /cannot be combined/],
    [[], /username is needed/],
    [['a', 'b'], /one username at most/],
    [['bad:name'], /contains ":"/],
    [['x'.repeat(256)], /255/],
    [['-A', 'bad group', 'u'], /whitespace/],
    [['-p', 'x'.repeat(81), 'u'], /80/],
    [['-c', '-r', 'bad "realm"', 'u'], /quote/],
    [['-f', 'a', '-f', 'b', 'u'], /given twice/],
  ];
  for (const [args, message] of usage) {
    it(`refuses ${JSON.stringify(args).slice(0, 60)} with exit code 2`, async () => {
      const result = await run(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /usage: qtpasswd/);
    });
  }

  it('prints help with -h', async () => {
    const result = await run(['-h']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /usage: qtpasswd/);
  });
});

describe('qtpasswd operations (in process)', () => {
  it('creates, refuses mismatched passwords, and keeps files intact on errors', async () => {
    const users = path.join(dir, 'a', 'qtusers');
    const groups = path.join(dir, 'a', 'qtgroups');
    const f = ['-f', users, '-g', groups];
    assert.equal((await run([...f, 'alice'])).code, 1, 'no file without -c');
    const created = await run([...f, '-c', '-r', 'Club', 'alice'], ['pw-one', 'pw-one']);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(created.questions, ['New password for alice: ', 'Re-type new password: ']);
    const before = await readFile(users, 'utf8');
    const file = parseUsersFile(before);
    assert.equal(file.realm, 'Club');
    const alice = findUser(file, 'alice')!;
    assert.equal(verifyCryptPassword('pw-one', alice.cryptHash), true);
    assert.equal(alice.digestHa1, digestHa1('alice', 'Club', 'pw-one'));
    assert.equal((await stat(users)).mode & 0o777, 0o640);

    const mismatch = await run([...f, 'alice'], ['one', 'two']);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /do not match/);
    const eof = await run([...f, 'alice'], ['only-once']);
    assert.equal(eof.code, 1);
    assert.match(eof.stderr, /end of input/);
    assert.equal(await readFile(users, 'utf8'), before, 'nothing written after a failure');

    const declined = await run([...f, '-c', 'bob'], ['n']);
    assert.equal(declined.code, 1);
    assert.match(declined.questions[0]!, /already exists; overwrite\? \(y\/n\) $/);
    assert.equal(await readFile(users, 'utf8'), before);

    assert.equal((await run([...f, '-A', 'nosuch', 'alice'])).code, 1, 'group must exist');
    assert.equal((await run([...f, '-C', 'staff'])).code, 0);
    assert.equal((await run([...f, '-C', 'staff'])).code, 1, 'group exists already');
    assert.equal((await run([...f, '-A', 'staff', 'alice'])).code, 0);
    assert.deepEqual(listGroups(parseGroupsFile(await readFile(groups, 'utf8'))), [{ name: 'staff', members: ['alice'] }]);
    assert.equal((await run([...f, '-d', 'nobody'])).code, 1);
    const keep = await run([...f, '-R', 'staff'], ['no']);
    assert.equal(keep.code, 1);
    assert.equal((await run([...f, '-R', 'staff'], ['y'])).code, 0);
    assert.deepEqual(listGroups(parseGroupsFile(await readFile(groups, 'utf8'))), []);
    assert.deepEqual(
      (await readdir(path.dirname(users))).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary files left behind',
    );
  });

  it('reads the password from -P, and keeps the mode of an existing file', async () => {
    const users = path.join(dir, 'b-users');
    await writeFile(users, 'realm Streaming Server\naGFja21l:0muym.z3yrHSw:fa000739887bb2871bcf0c9201b5ebd5\n');
    await chmod(users, 0o600);
    const passwordFile = path.join(dir, 'pw.txt');
    await writeFile(passwordFile, 'from-file\nsecond line ignored\n');
    const result = await run(['-f', users, '-g', path.join(dir, 'b-groups'), '-P', passwordFile, 'carol']);
    assert.equal(result.code, 0, result.stderr);
    const file = parseUsersFile(await readFile(users, 'utf8'));
    assert.equal(verifyCryptPassword('from-file', findUser(file, 'carol')!.cryptHash), true);
    assert.equal(findUser(file, 'aGFja21l')!.cryptHash, '0muym.z3yrHSw', 'other users are kept as they were');
    assert.equal((await stat(users)).mode & 0o777, 0o600);
    assert.equal((await run(['-f', users, '-P', path.join(dir, 'missing'), 'carol'])).code, 1);
  });
});

class FakeInput extends EventEmitter {
  isTTY: boolean;
  rawModes: boolean[] = [];
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
    return this;
  }
  setEncoding() {
    return this;
  }
  pause() {
    return this;
  }
  resume() {
    return this;
  }
}

describe('stream prompter', () => {
  it('reads successive lines from a pipe, CRLF included, and null at the end', async () => {
    const input = new FakeInput(false);
    let written = '';
    const prompter = new StreamPrompter(input, { write: (t: string) => (written += t) });
    const first = prompter.ask('A? ');
    input.emit('data', 'yes\r\nsecret\nsec');
    assert.equal(await first, 'yes');
    assert.equal(await prompter.ask('B? ', { secret: true }), 'secret');
    const third = prompter.ask('C? ');
    input.emit('data', 'ret\n');
    assert.equal(await third, 'secret');
    const fourth = prompter.ask('D? ');
    input.emit('end');
    assert.equal(await fourth, null);
    assert.equal(written, 'A? B? C? D? ');
    assert.deepEqual(input.rawModes, []);
    prompter.close();
  });

  it('on a terminal, reads secrets in raw mode with backspace, Ctrl-U and Ctrl-C', async () => {
    const input = new FakeInput(true);
    let written = '';
    const prompter = new StreamPrompter(input, { write: (t: string) => (written += t) });
    const answer = prompter.ask('Password: ', { secret: true });
    input.emit('data', 'junk\u0015pas');
    input.emit('data', 'x\u007fs\r');
    assert.equal(await answer, 'pass');
    assert.deepEqual(input.rawModes, [true, false]);
    assert.equal(written, 'Password: \n', 'nothing typed is echoed');
    const interrupted = prompter.ask('Password: ', { secret: true });
    input.emit('data', 'ab\u0003');
    await assert.rejects(interrupted, PromptInterrupted);
    assert.deepEqual(input.rawModes, [true, false, true, false], 'raw mode is always restored');
    prompter.close();
  });
});
