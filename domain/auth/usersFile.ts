import { createHash } from 'node:crypto';
import { DEFAULT_REALM } from './names.js';

/**
 * DSS's `qtusers`: a first line `realm <name>`, then one `user:crypt:md5hex` line per
 * user, where crypt is any crypt(3) hash of the password (checks Basic) and md5hex is
 * MD5(user:realm:password), the Digest HA1 (checks Digest, and ties the file to its
 * realm). Parsing never throws: a bad line is reported with its number, kept verbatim
 * (so rewriting the file does not lose it) and otherwise ignored.
 */
export interface UserRecord {
  readonly name: string;
  /** crypt(3) hash; may be in any format, or something that never verifies (`*`). */
  readonly cryptHash: string;
  /** Lower-case hex MD5(user:realm:password), or null for a line without one (Basic only). */
  readonly digestHa1: string | null;
}

export type UsersLine = { readonly kind: 'user'; readonly user: UserRecord } | { readonly kind: 'unparsed'; readonly text: string };

export interface UsersFileIssue {
  readonly line: number;
  readonly message: string;
}

export interface UsersFile {
  readonly realm: string;
  /** Whether the file had its `realm` line (a missing one means the default realm). */
  readonly hasRealmLine: boolean;
  readonly lines: readonly UsersLine[];
  readonly errors: readonly UsersFileIssue[];
}

export function digestHa1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`, 'utf8').digest('hex');
}

export function emptyUsersFile(realm: string = DEFAULT_REALM): UsersFile {
  return { realm, hasRealmLine: true, lines: [], errors: [] };
}

const REALM_LINE = /^realm(?:[ \t]+(.*))?$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;

export function parseUsersFile(text: string): UsersFile {
  const rawLines = text.split(/\r\n|\n|\r/);
  if (rawLines.length > 0 && rawLines[rawLines.length - 1] === '') rawLines.pop();
  const lines: UsersLine[] = [];
  const errors: UsersFileIssue[] = [];
  const seen = new Set<string>();
  let realm = DEFAULT_REALM;
  let hasRealmLine = false;
  let sawContent = false;

  rawLines.forEach((raw, index) => {
    const number = index + 1;
    if (raw.trim() === '') return;
    if (!sawContent) {
      sawContent = true;
      const realmMatch = REALM_LINE.exec(raw.trim());
      if (realmMatch) {
        const value = (realmMatch[1] ?? '').trim();
        if (value === '') errors.push({ line: number, message: `empty realm; using "${DEFAULT_REALM}"` });
        else realm = value;
        hasRealmLine = true;
        return;
      }
      errors.push({ line: number, message: `first line is not "realm <name>"; using "${DEFAULT_REALM}"` });
    }
    // Trailing blanks (an editor's, or a CR left by a DOS tool) are never part of a hash.
    const fields = raw.trimEnd().split(':');
    const keep = (message: string) => {
      errors.push({ line: number, message });
      lines.push({ kind: 'unparsed', text: raw });
    };
    if (fields.length < 2 || fields.length > 3) return keep('expected user:crypt:md5');
    const [name, cryptHash, ha1] = fields as [string, string, string | undefined];
    if (name === '') return keep('empty user name');
    if (name.length > 255) return keep('user name longer than 255 characters');
    if (cryptHash === '') return keep(`user "${name}" has an empty password hash`);
    if (ha1 !== undefined && !HEX32.test(ha1)) return keep(`user "${name}": Digest hash is not 32 hex digits`);
    if (seen.has(name)) return keep(`user "${name}" appears again; the first line counts`);
    seen.add(name);
    lines.push({ kind: 'user', user: { name, cryptHash, digestHa1: ha1 === undefined ? null : ha1.toLowerCase() } });
  });

  return { realm, hasRealmLine, lines, errors };
}

export function formatUsersFile(file: UsersFile): string {
  const out = [`realm ${file.realm}`];
  for (const line of file.lines) {
    if (line.kind === 'unparsed') out.push(line.text);
    else out.push(`${line.user.name}:${line.user.cryptHash}${line.user.digestHa1 === null ? '' : `:${line.user.digestHa1}`}`);
  }
  return `${out.join('\n')}\n`;
}

export function listUsers(file: UsersFile): UserRecord[] {
  return file.lines.flatMap((line) => (line.kind === 'user' ? [line.user] : []));
}

export function findUser(file: UsersFile, name: string): UserRecord | null {
  for (const line of file.lines) if (line.kind === 'user' && line.user.name === name) return line.user;
  return null;
}

/** Adds the user, or replaces its hashes where it already is (keeping its place). */
export function upsertUser(file: UsersFile, user: UserRecord): UsersFile {
  let replaced = false;
  const lines = file.lines.map((line) => {
    if (line.kind === 'user' && line.user.name === user.name) {
      replaced = true;
      return { kind: 'user' as const, user };
    }
    return line;
  });
  if (!replaced) lines.push({ kind: 'user', user });
  return { ...file, lines };
}

export function removeUser(file: UsersFile, name: string): UsersFile {
  return { ...file, lines: file.lines.filter((line) => !(line.kind === 'user' && line.user.name === name)) };
}
