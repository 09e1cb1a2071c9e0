import path from 'node:path';
import { emptyGroupsFile, groupsOf, parseGroupsFile, type GroupsFile } from '../../domain/auth/groupsFile.js';
import { DEFAULT_REALM } from '../../domain/auth/names.js';
import { emptyUsersFile, findUser, parseUsersFile, type UserRecord, type UsersFile } from '../../domain/auth/usersFile.js';
import { ParsedFileCache } from './fileSnapshot.js';

/**
 * The qtusers/qtgroups files, read on demand and re-read when they change on disk,
 * judged by stat (qtpasswd replaces them by rename, which the inode shows at once):
 * on every access by default, or at most once per `recheckMs` per file. Besides the
 * server's default pair, a qtaccess may name its own files (AuthUserFile/AuthGroupFile);
 * every path is cached the same way. A missing users file holds no users (so nobody can
 * authenticate against it), with the default realm.
 */
export const DSS_USERS_FILE = '/etc/streaming/qtusers';
export const DSS_GROUPS_FILE = '/etc/streaming/qtgroups';

export interface UserDirectoryOptions {
  readonly usersFile?: string;
  readonly groupsFile?: string;
  readonly cacheSize?: number;
  /** How long what was seen of a file (or of its absence) is trusted, ms (default 0: stat every access). */
  readonly recheckMs?: number;
}

export interface LoadedFile<T> {
  readonly path: string;
  readonly file: T;
  /** Why it could not be read (ENOENT, EACCES…), when it could not. */
  readonly unreadable?: string;
}

export interface DirectoryUser extends UserRecord {
  readonly groups: readonly string[];
}

export class UserDirectory {
  readonly usersFile: string;
  readonly groupsFile: string;
  private readonly users: ParsedFileCache<UsersFile>;
  private readonly groups: ParsedFileCache<GroupsFile>;

  constructor(options: UserDirectoryOptions = {}) {
    this.usersFile = path.resolve(options.usersFile ?? DSS_USERS_FILE);
    this.groupsFile = path.resolve(options.groupsFile ?? DSS_GROUPS_FILE);
    const cache = { maxEntries: options.cacheSize ?? 100, ...(options.recheckMs !== undefined && { recheckMs: options.recheckMs }) };
    this.users = new ParsedFileCache((text) => parseUsersFile(text), cache);
    this.groups = new ParsedFileCache((text) => parseGroupsFile(text), cache);
  }

  async loadUsers(usersPath: string = this.usersFile): Promise<LoadedFile<UsersFile>> {
    const read = await this.users.get(usersPath);
    if (read.kind === 'file') return { path: usersPath, file: read.value };
    return { path: usersPath, file: emptyUsersFile(DEFAULT_REALM), unreadable: read.code };
  }

  async loadGroups(groupsPath: string = this.groupsFile): Promise<LoadedFile<GroupsFile>> {
    const read = await this.groups.get(groupsPath);
    if (read.kind === 'file') return { path: groupsPath, file: read.value };
    return { path: groupsPath, file: emptyGroupsFile(), unreadable: read.code };
  }

  /** The realm of a users file (what Digest challenges must name). */
  async realm(usersPath: string = this.usersFile): Promise<string> {
    return (await this.loadUsers(usersPath)).file.realm;
  }

  /** A user with its groups, or null when the users file has no such user. */
  async lookup(name: string, files: { usersFile?: string; groupsFile?: string } = {}): Promise<DirectoryUser | null> {
    const users = await this.loadUsers(files.usersFile ?? this.usersFile);
    const user = findUser(users.file, name);
    if (!user) return null;
    const groups = await this.loadGroups(files.groupsFile ?? this.groupsFile);
    return { ...user, groups: groupsOf(groups.file, name) };
  }
}
