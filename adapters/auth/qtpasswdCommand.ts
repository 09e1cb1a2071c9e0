import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createCryptHash, CRYPT_SALT_BYTES } from '../../domain/auth/crypt/passwordHash.js';
import {
  addGroup,
  addMember,
  emptyGroupsFile,
  findGroup,
  formatGroupsFile,
  parseGroupsFile,
  removeFromAllGroups,
  removeGroup,
  removeMember,
  type GroupsFile,
} from '../../domain/auth/groupsFile.js';
import { DEFAULT_REALM, nameProblem, passwordProblem, realmProblem } from '../../domain/auth/names.js';
import { digestHa1, emptyUsersFile, findUser, formatUsersFile, parseUsersFile, removeUser, upsertUser, type UsersFile } from '../../domain/auth/usersFile.js';
import { writeFileAtomic } from './atomicWrite.js';
import { PromptInterrupted, type Prompter } from './terminalPrompt.js';
import { DSS_GROUPS_FILE, DSS_USERS_FILE } from './userDirectory.js';

/**
 * `qtpasswd`, with DSS's flags, over qtusers/qtgroups files:
 *
 *   qtpasswd [-F] [-f usersfile] [-c] [-g groupsfile] [-r realm] [-p password]
 *            [-P passwordfile] [-A group] [-D group] [-C group] [-R group] [-d] [username]
 *
 * Exit codes: 0 done, 1 refused or failed (nothing written), 2 usage error,
 * 130 interrupted. New passwords are hashed with SHA-512 crypt (`$6$`) plus the
 * Digest HA1 of the file's realm; existing DES/MD5 entries of other users are kept.
 */
export const QTPASSWD_USAGE = `usage: qtpasswd [-F] [-f usersfile] [-c] [-g groupsfile] [-r realm] [-p password] [-P passwordfile]
                [-A group] [-D group] [-C group] [-R group] [-d] [-h] [username]
  -F  don't ask before overwriting a file or deleting a user or group
  -f  users file to change (default ${DSS_USERS_FILE})
  -c  create a new users file (with -r realm; asks before overwriting unless -F)
  -g  groups file to change (default ${DSS_GROUPS_FILE})
  -r  realm of a new users file, only with -c (default "${DEFAULT_REALM}")
  -p  the password, instead of asking for it
  -P  file whose first line is the password, instead of asking for it
  -d  delete the user (and remove it from every group)
  -A  add the user to a group (asks for a password only for a new user)
  -D  remove the user from a group
  -C  create a group (no username)
  -R  delete a group (no username)
  -h  show this help
With only a username: add the user, or change its password.
`;

export interface QtpasswdIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly prompter: Prompter;
  readonly randomBytes?: (size: number) => Uint8Array;
}

interface Options {
  force: boolean;
  usersFile: string;
  groupsFile: string;
  create: boolean;
  realm?: string;
  password?: string;
  passwordFile?: string;
  addTo: string[];
  removeFrom: string[];
  createGroup?: string;
  deleteGroup?: string;
  deleteUser: boolean;
  help: boolean;
  username?: string;
}

class UsageError extends Error {}
class CommandError extends Error {}

const VALUE_FLAGS = new Set(['f', 'g', 'r', 'p', 'P', 'A', 'D', 'C', 'R']);
const BOOLEAN_FLAGS = new Set(['F', 'c', 'd', 'h', 'v']);

/** getopt-style: `-Fc`, `-fFILE` and `-f FILE` all work; `--` ends the options. */
export function parseQtpasswdArgs(argv: readonly string[]): Options {
  const options: Options = {
    force: false,
    usersFile: DSS_USERS_FILE,
    groupsFile: DSS_GROUPS_FILE,
    create: false,
    addTo: [],
    removeFrom: [],
    deleteUser: false,
    help: false,
  };
  const positionals: string[] = [];
  const once = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help') {
      options.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j]!;
      if (BOOLEAN_FLAGS.has(flag)) {
        if (flag === 'F') options.force = true;
        else if (flag === 'c') options.create = true;
        else if (flag === 'd') options.deleteUser = true;
        else options.help = true;
        continue;
      }
      if (!VALUE_FLAGS.has(flag)) throw new UsageError(`unknown option -${flag}`);
      let value = arg.slice(j + 1);
      if (value === '') {
        if (i + 1 >= argv.length) throw new UsageError(`option -${flag} needs a value`);
        value = argv[++i]!;
      }
      if (flag !== 'A' && flag !== 'D') {
        if (once.has(flag)) throw new UsageError(`option -${flag} given twice`);
        once.add(flag);
      }
      switch (flag) {
        case 'f':
          options.usersFile = value;
          break;
        case 'g':
          options.groupsFile = value;
          break;
        case 'r':
          options.realm = value;
          break;
        case 'p':
          options.password = value;
          break;
        case 'P':
          options.passwordFile = value;
          break;
        case 'A':
          options.addTo.push(value);
          break;
        case 'D':
          options.removeFrom.push(value);
          break;
        case 'C':
          options.createGroup = value;
          break;
        case 'R':
          options.deleteGroup = value;
          break;
      }
      break;
    }
  }
  if (positionals.length > 1) throw new UsageError(`one username at most (got ${positionals.length})`);
  if (positionals[0] !== undefined) options.username = positionals[0];
  return options;
}

function validate(options: Options): void {
  if (options.realm !== undefined && !options.create) throw new UsageError('-r (realm) is only allowed with -c (a realm change needs a new file)');
  if (options.password !== undefined && options.passwordFile !== undefined) throw new UsageError('give -p or -P, not both');
  const groupOp = options.createGroup !== undefined || options.deleteGroup !== undefined;
  if (groupOp) {
    if (options.createGroup !== undefined && options.deleteGroup !== undefined) throw new UsageError('give -C or -R, not both');
    if (options.username !== undefined) throw new UsageError('-C and -R take no username');
    if (options.create || options.deleteUser || options.addTo.length || options.removeFrom.length || options.password !== undefined || options.passwordFile !== undefined) {
      throw new UsageError('-C and -R cannot be combined with -c, -d, -A, -D, -p or -P');
    }
  }
  if (options.deleteUser) {
    if (options.username === undefined) throw new UsageError('-d needs a username');
    if (options.create || options.addTo.length || options.removeFrom.length || options.password !== undefined || options.passwordFile !== undefined) {
      throw new UsageError('-d cannot be combined with -c, -A, -D, -p or -P');
    }
  }
  if (!groupOp && !options.create && options.username === undefined) throw new UsageError('a username is needed');
  if ((options.addTo.length || options.removeFrom.length) && options.username === undefined) throw new UsageError('-A and -D need a username');
  const problems = [
    options.username !== undefined ? nameProblem(options.username, 'username') : null,
    ...[...options.addTo, ...options.removeFrom].map((g) => nameProblem(g, 'group name')),
    options.createGroup !== undefined ? nameProblem(options.createGroup, 'group name') : null,
    options.deleteGroup !== undefined ? nameProblem(options.deleteGroup, 'group name') : null,
    options.realm !== undefined ? realmProblem(options.realm) : null,
  ].filter((p): p is string => p !== null);
  if (problems.length) throw new UsageError(problems[0]!);
  if (options.password !== undefined) {
    const problem = passwordProblem(options.password);
    if (problem) throw new UsageError(problem);
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new CommandError(`cannot read ${file}: ${code ?? (error as Error).message}`);
  }
}

async function yes(io: QtpasswdIo, question: string): Promise<boolean> {
  const answer = await io.prompter.ask(`${question} (y/n) `);
  if (answer === null) throw new CommandError('no answer (end of input)');
  return /^\s*y(es)?\s*$/i.test(answer);
}

async function obtainPassword(options: Options, io: QtpasswdIo, username: string): Promise<string> {
  if (options.password !== undefined) return options.password;
  if (options.passwordFile !== undefined) {
    const text = await readText(options.passwordFile);
    if (text === null) throw new CommandError(`password file ${options.passwordFile} does not exist`);
    const password = text.split(/\r?\n/)[0] ?? '';
    const problem = passwordProblem(password);
    if (problem) throw new CommandError(`password file ${options.passwordFile}: ${problem}`);
    return password;
  }
  const first = await io.prompter.ask(`New password for ${username}: `, { secret: true });
  if (first === null) throw new CommandError('no password given (end of input)');
  const problem = passwordProblem(first);
  if (problem) throw new CommandError(problem);
  const second = await io.prompter.ask('Re-type new password: ', { secret: true });
  if (second === null) throw new CommandError('password not confirmed (end of input)');
  if (first !== second) throw new CommandError('passwords do not match; nothing changed');
  return first;
}

function warnAboutFile(io: QtpasswdIo, file: string, errors: ReadonlyArray<{ line: number; message: string }>): void {
  for (const error of errors) io.stderr(`qtpasswd: warning: ${file}:${error.line}: ${error.message} (line kept as is)\n`);
}

async function loadUsers(options: Options, io: QtpasswdIo): Promise<UsersFile | null> {
  const text = await readText(options.usersFile);
  if (text === null) return null;
  const users = parseUsersFile(text);
  warnAboutFile(io, options.usersFile, users.errors);
  return users;
}

async function loadGroups(options: Options, io: QtpasswdIo): Promise<{ groups: GroupsFile; existed: boolean }> {
  const text = await readText(options.groupsFile);
  if (text === null) return { groups: emptyGroupsFile(), existed: false };
  const groups = parseGroupsFile(text);
  warnAboutFile(io, options.groupsFile, groups.errors);
  return { groups, existed: true };
}

async function save(file: string, contents: string): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFileAtomic(file, contents);
  } catch (error) {
    throw new CommandError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function run(options: Options, io: QtpasswdIo): Promise<void> {
  const random = io.randomBytes ?? ((size: number) => randomBytes(size));

  // -C / -R: groups only.
  if (options.createGroup !== undefined || options.deleteGroup !== undefined) {
    const { groups } = await loadGroups(options, io);
    if (options.createGroup !== undefined) {
      if (findGroup(groups, options.createGroup)) throw new CommandError(`group ${options.createGroup} already exists in ${options.groupsFile}`);
      await save(options.groupsFile, formatGroupsFile(addGroup(groups, options.createGroup)));
      io.stdout(`Created group ${options.createGroup}\n`);
      return;
    }
    const name = options.deleteGroup!;
    if (!findGroup(groups, name)) throw new CommandError(`group ${name} does not exist in ${options.groupsFile}`);
    if (!options.force && !(await yes(io, `Delete group ${name}?`))) throw new CommandError(`group ${name} not deleted`);
    await save(options.groupsFile, formatGroupsFile(removeGroup(groups, name)));
    io.stdout(`Deleted group ${name}\n`);
    return;
  }

  // -d: delete a user everywhere.
  if (options.deleteUser) {
    const name = options.username!;
    const users = await loadUsers(options, io);
    if (!users) throw new CommandError(`users file ${options.usersFile} does not exist`);
    if (!findUser(users, name)) throw new CommandError(`user ${name} does not exist in ${options.usersFile}`);
    if (!options.force && !(await yes(io, `Delete user ${name}?`))) throw new CommandError(`user ${name} not deleted`);
    const { groups, existed } = await loadGroups(options, io);
    await save(options.usersFile, formatUsersFile(removeUser(users, name)));
    if (existed) {
      const after = removeFromAllGroups(groups, name);
      if (formatGroupsFile(after) !== formatGroupsFile(groups)) await save(options.groupsFile, formatGroupsFile(after));
    }
    io.stdout(`Deleted user ${name}\n`);
    return;
  }

  // Add/change a user, possibly creating the file, then group memberships.
  let users: UsersFile | null;
  if (options.create) {
    const existing = await readText(options.usersFile);
    if (existing !== null && !options.force && !(await yes(io, `${options.usersFile} already exists; overwrite?`))) {
      throw new CommandError(`${options.usersFile} not overwritten`);
    }
    users = emptyUsersFile(options.realm ?? DEFAULT_REALM);
  } else {
    users = await loadUsers(options, io);
    if (!users) throw new CommandError(`users file ${options.usersFile} does not exist (use -c to create it)`);
  }

  const name = options.username;
  const messages: string[] = [];
  if (name !== undefined) {
    const exists = findUser(users, name) !== null;
    const groupOnly = options.addTo.length > 0 || options.removeFrom.length > 0;
    const needsPassword = options.password !== undefined || options.passwordFile !== undefined || !groupOnly || (options.addTo.length > 0 && !exists);
    if (!exists && !needsPassword) throw new CommandError(`user ${name} does not exist in ${options.usersFile}`);
    let groups: GroupsFile | null = null;
    if (groupOnly) {
      groups = (await loadGroups(options, io)).groups;
      for (const group of [...options.addTo, ...options.removeFrom]) {
        if (!findGroup(groups, group)) throw new CommandError(`group ${group} does not exist in ${options.groupsFile} (create it with -C ${group})`);
      }
    }
    if (needsPassword) {
      const password = await obtainPassword(options, io, name);
      const cryptHash = createCryptHash(password, random(CRYPT_SALT_BYTES));
      users = upsertUser(users, { name, cryptHash, digestHa1: digestHa1(name, users.realm, password) });
      messages.push(exists ? `Changed password of user ${name}\n` : `Added user ${name}\n`);
    }
    if (groups) {
      const before = formatGroupsFile(groups);
      for (const group of options.addTo) {
        if (findGroup(groups, group)!.members.includes(name)) io.stderr(`qtpasswd: ${name} is already in group ${group}\n`);
        else {
          groups = addMember(groups, group, name);
          messages.push(`Added ${name} to group ${group}\n`);
        }
      }
      for (const group of options.removeFrom) {
        if (!findGroup(groups, group)!.members.includes(name)) io.stderr(`qtpasswd: ${name} is not in group ${group}\n`);
        else {
          groups = removeMember(groups, group, name);
          messages.push(`Removed ${name} from group ${group}\n`);
        }
      }
      if (needsPassword || options.create) await save(options.usersFile, formatUsersFile(users));
      if (formatGroupsFile(groups) !== before) await save(options.groupsFile, formatGroupsFile(groups));
      for (const message of messages) io.stdout(message);
      return;
    }
  }
  await save(options.usersFile, formatUsersFile(users));
  if (options.create) messages.unshift(`Created ${options.usersFile} (realm "${users.realm}")\n`);
  for (const message of messages) io.stdout(message);
}

/** Runs the command; returns the exit code. Never throws. */
export async function runQtpasswd(argv: readonly string[], io: QtpasswdIo): Promise<number> {
  try {
    const options = parseQtpasswdArgs(argv);
    if (options.help) {
      io.stdout(QTPASSWD_USAGE);
      return 0;
    }
    validate(options);
    await run(options, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`qtpasswd: ${error.message}\n${QTPASSWD_USAGE}`);
      return 2;
    }
    if (error instanceof PromptInterrupted) {
      io.stderr('\nqtpasswd: interrupted; nothing changed\n');
      return 130;
    }
    if (error instanceof CommandError) {
      io.stderr(`qtpasswd: ${error.message}\n`);
      return 1;
    }
    io.stderr(`qtpasswd: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    io.prompter.close();
  }
}
