import { singleValue, splitQuotedWords } from './quotedWords.js';

/**
 * QTSS's per-directory `qtaccess` files (like Apache's .htaccess): parsing and the
 * access decision. One directive a line, `#` comment lines, case-sensitive keywords,
 * values may be double-quoted:
 *
 *   AuthName <realm>            realm for Basic challenges
 *   AuthUserFile <path>         qtusers file to check users against
 *   AuthGroupFile <path>        qtgroups file
 *   AuthScheme basic|digest|none
 *   require any-user | valid-user | user u1 u2 … | group g1 g2 …
 *   <Limit READ> / <Limit WRITE> / <Limit READ WRITE> … </Limit>
 *
 * Lines outside any Limit block apply to READ only; directives inside a block apply
 * to its actions only (AuthUserFile too, as in DSS; when repeated, the last counts).
 * The first `require` that matches allows; none matching denies.
 *
 * Parse errors are returned with line numbers, never thrown, and the rest of the
 * file still applies. A line that was meant to restrict access but cannot be
 * understood must not open access, so it becomes a *deny-stop*: evaluation that
 * reaches it denies (requires before it still grant, none after it do). That is
 * what happens to:
 *   - a `require` line that does not parse (unknown form, no names, extra words),
 *     or any keyword written in the wrong case (`Require`, `authuserfile`…) whose
 *     correct form restricts (require, AuthUserFile, AuthGroupFile);
 *   - a bad AuthUserFile/AuthGroupFile value (else a wider default file would count);
 *   - a Limit block we cannot trust: a malformed opener (`<Limit GET>`, `<limit read>`,
 *     `<Limt WRITE>`), one nested in another, or one never closed (its end, and so
 *     which lines it meant to cover, is unknown). Such a block is a deny-stop for
 *     both READ and WRITE at its opening line, and its contents are ignored.
 * Other mistakes (unknown keywords, a bad AuthName or AuthScheme value, a stray
 * `</Limit>`) are reported and ignored: ignoring them never widens access (a bad
 * AuthScheme falls back to the server's scheme, digest by default).
 */
export type AccessAction = 'READ' | 'WRITE';
export type AuthScheme = 'basic' | 'digest' | 'none';

export type Requirement =
  | { readonly kind: 'any-user' }
  | { readonly kind: 'valid-user' }
  | { readonly kind: 'user'; readonly names: readonly string[] }
  | { readonly kind: 'group'; readonly names: readonly string[] }
  /** A deny-stop: an unparseable line meant to restrict access. */
  | { readonly kind: 'invalid'; readonly reason: string };

export type QtaccessDirective =
  | { readonly kind: 'authName'; readonly value: string }
  | { readonly kind: 'authUserFile'; readonly value: string }
  | { readonly kind: 'authGroupFile'; readonly value: string }
  | { readonly kind: 'authScheme'; readonly value: AuthScheme }
  | { readonly kind: 'require'; readonly requirement: Requirement };

export interface QtaccessEntry {
  readonly line: number;
  readonly actions: readonly AccessAction[];
  readonly directive: QtaccessDirective;
}

export interface QtaccessIssue {
  readonly line: number;
  readonly message: string;
}

export interface QtaccessFile {
  /** Directives in file order. */
  readonly entries: readonly QtaccessEntry[];
  readonly errors: readonly QtaccessIssue[];
}

const BOTH: readonly AccessAction[] = ['READ', 'WRITE'];
const OUTSIDE: readonly AccessAction[] = ['READ'];
const KEYWORDS = ['AuthName', 'AuthUserFile', 'AuthGroupFile', 'AuthScheme', 'require'] as const;
const RESTRICTING = new Set<string>(['require', 'AuthUserFile', 'AuthGroupFile']);

interface Frame {
  readonly line: number;
  /** The actions the block applies to, or null for a block we do not trust. */
  readonly actions: readonly AccessAction[] | null;
}

export function parseQtaccess(text: string): QtaccessFile {
  const entries: Array<QtaccessEntry & { frame: Frame | null }> = [];
  const errors: QtaccessIssue[] = [];
  const stack: Frame[] = [];
  const lines = text.split(/\r\n|\n|\r/);

  const error = (line: number, message: string) => errors.push({ line, message });
  const denyStop = (line: number, actions: readonly AccessAction[], reason: string, frame: Frame | null) =>
    entries.push({ line, actions, directive: { kind: 'require', requirement: { kind: 'invalid', reason } }, frame });

  lines.forEach((raw, index) => {
    const number = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;

    const outer = stack[0] ?? null;
    const ignoring = stack.some((frame) => frame.actions === null);
    const scope = stack.length === 0 ? OUTSIDE : (outer?.actions ?? null);

    if (line.startsWith('</')) {
      if (!/^<\/limit\s*>$/i.test(line)) {
        error(number, `unknown closing tag ${JSON.stringify(line.slice(0, 40))}`);
        return;
      }
      if (line !== '</Limit>') error(number, 'write the closing tag as </Limit> (keywords are case-sensitive)');
      if (stack.length === 0) error(number, '</Limit> without an open <Limit> block; ignored');
      else stack.pop();
      return;
    }

    if (line.startsWith('<')) {
      const good = /^<Limit\s+([^<>]*?)\s*>$/.exec(line);
      const methods = good ? good[1]!.split(/\s+/).filter(Boolean) : [];
      const valid = good !== null && methods.length > 0 && methods.every((m) => m === 'READ' || m === 'WRITE');
      let problem: string | null = null;
      if (!valid) {
        problem = good
          ? `<Limit> takes READ and/or WRITE, got ${JSON.stringify(good[1])}`
          : `malformed block opener ${JSON.stringify(line.slice(0, 40))} (expected <Limit READ>, <Limit WRITE> or <Limit READ WRITE>)`;
      } else if (stack.length > 0) {
        problem = `<Limit> blocks cannot be nested (block opened on line ${stack[stack.length - 1]!.line})`;
      }
      if (problem) {
        error(number, `${problem}; access is denied from here on and the block is ignored`);
        const frame: Frame = { line: number, actions: null };
        if (!ignoring) denyStop(number, BOTH, problem, outer);
        stack.push(frame);
        return;
      }
      stack.push({ line: number, actions: [...new Set(methods as AccessAction[])] });
      return;
    }

    const keywordEnd = line.search(/\s/);
    const keyword = keywordEnd < 0 ? line : line.slice(0, keywordEnd);
    const rest = keywordEnd < 0 ? '' : line.slice(keywordEnd + 1);
    const known = KEYWORDS.find((k) => k === keyword);
    const miscased = known ? undefined : KEYWORDS.find((k) => k.toLowerCase() === keyword.toLowerCase());

    if (!known) {
      if (miscased) {
        const restricts = RESTRICTING.has(miscased);
        error(number, `unknown keyword "${keyword}" (keywords are case-sensitive: ${miscased})${restricts ? '; access is denied from here on' : '; ignored'}`);
        if (restricts && !ignoring && scope) denyStop(number, scope, `miscased ${miscased}`, outer);
      } else {
        error(number, `unknown keyword "${keyword.slice(0, 40)}"; ignored`);
      }
      return;
    }

    const directive = parseDirective(known, rest);
    if ('message' in directive) {
      const restricts = RESTRICTING.has(known);
      error(number, `${known}: ${directive.message}${restricts ? '; access is denied from here on' : '; ignored'}`);
      if (restricts && !ignoring && scope) denyStop(number, scope, `${known}: ${directive.message}`, outer);
      return;
    }
    if (ignoring || !scope) return;
    entries.push({ line: number, actions: scope, directive, frame: outer });
  });

  // A block never closed: which lines it meant to cover is unknown, so none of them
  // count and the block denies from its opening line.
  const unclosed = stack[0];
  let kept: QtaccessEntry[] = entries;
  if (unclosed) {
    for (const frame of stack) error(frame.line, '<Limit> block is never closed; access is denied from here on and the block is ignored');
    kept = entries.filter((entry) => entry.frame !== unclosed);
    if (unclosed.actions !== null) {
      kept.push({ line: unclosed.line, actions: BOTH, directive: { kind: 'require', requirement: { kind: 'invalid', reason: 'unclosed <Limit> block' } } });
    }
  }
  const ordered = kept
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => a.entry.line - b.entry.line || a.order - b.order)
    .map(({ entry }) => ({ line: entry.line, actions: entry.actions, directive: entry.directive }));
  errors.sort((a, b) => a.line - b.line);
  return { entries: ordered, errors };
}

function parseDirective(keyword: (typeof KEYWORDS)[number], rest: string): QtaccessDirective | { message: string } {
  if (keyword === 'require') return parseRequire(rest);
  const value = singleValue(rest);
  if (!value.ok) return { message: value.message };
  switch (keyword) {
    case 'AuthName':
      if (/[\u0000-\u001f\u007f"\\]/.test(value.value)) return { message: 'realm contains a quote, backslash or control character' };
      return { kind: 'authName', value: value.value };
    case 'AuthUserFile':
      return { kind: 'authUserFile', value: value.value };
    case 'AuthGroupFile':
      return { kind: 'authGroupFile', value: value.value };
    case 'AuthScheme': {
      const scheme = value.value.toLowerCase();
      if (scheme === 'basic' || scheme === 'digest' || scheme === 'none') return { kind: 'authScheme', value: scheme };
      return { message: `unknown scheme ${JSON.stringify(value.value.slice(0, 40))} (basic, digest or none)` };
    }
  }
}

function parseRequire(rest: string): QtaccessDirective | { message: string } {
  const split = splitQuotedWords(rest);
  if (!split.ok) return { message: split.message };
  const [form, ...names] = split.words;
  switch (form) {
    case undefined:
      return { message: 'missing what is required (any-user, valid-user, user …, group …)' };
    case 'any-user':
    case 'valid-user':
      if (names.length > 0) return { message: `"require ${form}" takes no names` };
      return { kind: 'require', requirement: { kind: form } };
    case 'user':
    case 'group':
      if (names.length === 0 || names.some((name) => name === '')) return { message: `"require ${form}" needs at least one name` };
      return { kind: 'require', requirement: { kind: form, names } };
    default:
      return { message: `unknown requirement ${JSON.stringify(form.slice(0, 40))}` };
  }
}

/** The settings and requirements that apply to one action. */
export interface QtaccessView {
  readonly authName?: string;
  readonly authUserFile?: string;
  readonly authGroupFile?: string;
  readonly authScheme?: AuthScheme;
  readonly requirements: ReadonlyArray<{ readonly line: number; readonly requirement: Requirement }>;
}

export function qtaccessFor(file: QtaccessFile, action: AccessAction): QtaccessView {
  let authName: string | undefined;
  let authUserFile: string | undefined;
  let authGroupFile: string | undefined;
  let authScheme: AuthScheme | undefined;
  const requirements: Array<{ line: number; requirement: Requirement }> = [];
  for (const entry of file.entries) {
    if (!entry.actions.includes(action)) continue;
    const d = entry.directive;
    switch (d.kind) {
      case 'authName':
        authName = d.value;
        break;
      case 'authUserFile':
        authUserFile = d.value;
        break;
      case 'authGroupFile':
        authGroupFile = d.value;
        break;
      case 'authScheme':
        authScheme = d.value;
        break;
      case 'require':
        requirements.push({ line: entry.line, requirement: d.requirement });
        break;
    }
  }
  return {
    ...(authName !== undefined && { authName }),
    ...(authUserFile !== undefined && { authUserFile }),
    ...(authGroupFile !== undefined && { authGroupFile }),
    ...(authScheme !== undefined && { authScheme }),
    requirements,
  };
}

export interface AccessUser {
  readonly name: string;
  readonly groups: readonly string[];
}

export type AccessDecision =
  | { readonly allowed: true; readonly by: 'any-user' | 'valid-user' | 'user' | 'group'; readonly line: number }
  /** needsAuth: some requirement passed over could be met by (another) authenticated user. */
  | { readonly allowed: false; readonly needsAuth: boolean; readonly line?: number };

/** The first matching `require` allows; none matching (or reaching a deny-stop) denies. */
export function decideAccess(file: QtaccessFile, request: { action: AccessAction; user: AccessUser | null }): AccessDecision {
  return decideRequirements(qtaccessFor(file, request.action).requirements, request.user);
}

export function decideRequirements(
  requirements: ReadonlyArray<{ readonly line: number; readonly requirement: Requirement }>,
  user: AccessUser | null,
): AccessDecision {
  let needsAuth = false;
  for (const { line, requirement } of requirements) {
    switch (requirement.kind) {
      case 'any-user':
        return { allowed: true, by: 'any-user', line };
      case 'valid-user':
        if (user) return { allowed: true, by: 'valid-user', line };
        needsAuth = true;
        break;
      case 'user':
        if (user && requirement.names.includes(user.name)) return { allowed: true, by: 'user', line };
        needsAuth = true;
        break;
      case 'group':
        if (user && requirement.names.some((group) => user.groups.includes(group))) return { allowed: true, by: 'group', line };
        needsAuth = true;
        break;
      case 'invalid':
        return { allowed: false, needsAuth, line };
    }
  }
  return { allowed: false, needsAuth };
}
