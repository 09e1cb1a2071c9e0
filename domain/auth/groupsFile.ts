/**
 * DSS's `qtgroups`: one `group: user1 user2 …` line per group. Parsing never throws;
 * a bad line is reported with its number, kept verbatim for rewriting, and ignored.
 * A group named twice is merged (with a warning), so no membership is lost.
 */
export interface GroupRecord {
  readonly name: string;
  readonly members: readonly string[];
}

export type GroupsLine = { readonly kind: 'group'; readonly group: GroupRecord } | { readonly kind: 'unparsed'; readonly text: string };

export interface GroupsFileIssue {
  readonly line: number;
  readonly message: string;
}

export interface GroupsFile {
  readonly lines: readonly GroupsLine[];
  readonly errors: readonly GroupsFileIssue[];
}

export function emptyGroupsFile(): GroupsFile {
  return { lines: [], errors: [] };
}

export function parseGroupsFile(text: string): GroupsFile {
  const rawLines = text.split(/\r\n|\n|\r/);
  if (rawLines.length > 0 && rawLines[rawLines.length - 1] === '') rawLines.pop();
  const lines: GroupsLine[] = [];
  const errors: GroupsFileIssue[] = [];
  const indexByName = new Map<string, number>();

  rawLines.forEach((raw, index) => {
    const number = index + 1;
    if (raw.trim() === '') return;
    const colon = raw.indexOf(':');
    const name = colon < 0 ? '' : raw.slice(0, colon).trim();
    if (colon < 0 || name === '' || /\s/.test(name) || name.length > 255) {
      errors.push({ line: number, message: colon < 0 ? 'expected "group: user1 user2 …"' : `bad group name "${name.slice(0, 40)}"` });
      lines.push({ kind: 'unparsed', text: raw });
      return;
    }
    const members = raw
      .slice(colon + 1)
      .split(/\s+/)
      .filter((member) => member !== '');
    const existing = indexByName.get(name);
    if (existing !== undefined) {
      errors.push({ line: number, message: `group "${name}" appears again; its members are merged` });
      const line = lines[existing] as { kind: 'group'; group: GroupRecord };
      lines[existing] = { kind: 'group', group: { name, members: unique([...line.group.members, ...members]) } };
      return;
    }
    indexByName.set(name, lines.length);
    lines.push({ kind: 'group', group: { name, members: unique(members) } });
  });
  return { lines, errors };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

export function formatGroupsFile(file: GroupsFile): string {
  const out = file.lines.map((line) =>
    line.kind === 'unparsed' ? line.text : `${line.group.name}:${line.group.members.length ? ' ' : ''}${line.group.members.join(' ')}`,
  );
  return out.length ? `${out.join('\n')}\n` : '';
}

export function listGroups(file: GroupsFile): GroupRecord[] {
  return file.lines.flatMap((line) => (line.kind === 'group' ? [line.group] : []));
}

export function findGroup(file: GroupsFile, name: string): GroupRecord | null {
  for (const line of file.lines) if (line.kind === 'group' && line.group.name === name) return line.group;
  return null;
}

/** Names of the groups `user` belongs to, in file order. */
export function groupsOf(file: GroupsFile, user: string): string[] {
  return listGroups(file)
    .filter((group) => group.members.includes(user))
    .map((group) => group.name);
}

function mapGroups(file: GroupsFile, change: (group: GroupRecord) => GroupRecord): GroupsFile {
  return { ...file, lines: file.lines.map((line) => (line.kind === 'group' ? { kind: 'group', group: change(line.group) } : line)) };
}

export function addGroup(file: GroupsFile, name: string): GroupsFile {
  if (findGroup(file, name)) return file;
  return { ...file, lines: [...file.lines, { kind: 'group', group: { name, members: [] } }] };
}

export function removeGroup(file: GroupsFile, name: string): GroupsFile {
  return { ...file, lines: file.lines.filter((line) => !(line.kind === 'group' && line.group.name === name)) };
}

export function addMember(file: GroupsFile, group: string, user: string): GroupsFile {
  return mapGroups(file, (g) => (g.name === group && !g.members.includes(user) ? { name: g.name, members: [...g.members, user] } : g));
}

export function removeMember(file: GroupsFile, group: string, user: string): GroupsFile {
  return mapGroups(file, (g) => (g.name === group ? { name: g.name, members: g.members.filter((m) => m !== user) } : g));
}

/** Removes `user` from every group (for deleting a user). */
export function removeFromAllGroups(file: GroupsFile, user: string): GroupsFile {
  return mapGroups(file, (g) => (g.members.includes(user) ? { name: g.name, members: g.members.filter((m) => m !== user) } : g));
}
