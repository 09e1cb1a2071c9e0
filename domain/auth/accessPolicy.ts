import { addressMatches, isLoopbackAddress, parseAddressPatterns } from './addressPattern.js';
import { DEFAULT_REALM } from './names.js';
import { decideAccess, qtaccessFor, type AccessAction, type AccessUser, type AuthScheme, type QtaccessFile } from './qtaccess.js';

/**
 * The whole access decision QTSS's access module made for one request, as a pure
 * function of: the qtaccess that applies (or none), the server's settings, the
 * client's address, the authenticated user (or null) and the action.
 *
 * READ (DESCRIBE/SETUP/PLAY of a movie or live stream):
 *   - with a qtaccess: its READ rules decide;
 *   - without: open to anyone (`require any-user`), or to any authenticated user
 *     (`require valid-user`) when guest access is off.
 * WRITE (broadcast ANNOUNCE, SETUP with mode=record) is allowed to:
 *   - a loopback client, unless local broadcasts must authenticate;
 *   - a client whose address is in the allow-list (default `127.0.0.*`). When local
 *     broadcasts must authenticate, allow-list entries do not exempt loopback
 *     addresses: otherwise the default `127.0.0.*` would silently defeat the setting;
 *   - a member of the broadcaster group (default `broadcaster`);
 *   - whoever the qtaccess's WRITE rules allow; without a qtaccess, any authenticated user.
 * Refused: 401 with one challenge when authenticating could help, in the scheme of
 * the qtaccess's AuthScheme for the action, else the server's; 403 when it cannot
 * help, or when the scheme is `none` (nobody can authenticate then).
 */
export interface AccessPolicySettings {
  /** Reads are open where no qtaccess applies (QTSS's guest access default). */
  readonly guestAccess: boolean;
  /** Scheme of challenges where the qtaccess does not name one. */
  readonly defaultScheme: AuthScheme;
  /** Loopback broadcasters must authenticate like anyone else. */
  readonly authenticateLocalBroadcasts: boolean;
  /** Client address patterns that may broadcast without authenticating. */
  readonly broadcastAllowList: readonly string[];
  /** Members of this group may always broadcast. */
  readonly broadcasterGroup: string;
  /** Realm of Basic challenges when neither AuthName nor a users file gives one. */
  readonly defaultRealm: string;
}

export const DEFAULT_ACCESS_POLICY_SETTINGS: AccessPolicySettings = Object.freeze({
  guestAccess: true,
  defaultScheme: 'digest',
  authenticateLocalBroadcasts: false,
  broadcastAllowList: Object.freeze(['127.0.0.*']),
  broadcasterGroup: 'broadcaster',
  defaultRealm: DEFAULT_REALM,
});

export interface AccessQuestion {
  readonly action: AccessAction;
  /** The qtaccess found for the requested path, or null when there is none. */
  readonly qtaccess: QtaccessFile | null;
  readonly clientAddress: string;
  readonly user: AccessUser | null;
  /** Realm of the users file that checks credentials; Digest always uses it. */
  readonly usersRealm?: string;
}

export type ChallengeScheme = 'basic' | 'digest';

export type PolicyDecision =
  | { readonly outcome: 'allow'; readonly reason: string }
  | { readonly outcome: 'challenge'; readonly status: 401; readonly scheme: ChallengeScheme; readonly realm: string; readonly reason: string }
  | { readonly outcome: 'forbid'; readonly status: 403; readonly reason: string };

/** The scheme in force for an action: the qtaccess's AuthScheme for it, else the server's. */
export function schemeFor(qtaccess: QtaccessFile | null, action: AccessAction, settings: AccessPolicySettings): AuthScheme {
  return (qtaccess && qtaccessFor(qtaccess, action).authScheme) || settings.defaultScheme;
}

/** Realm to challenge with: Digest uses the users file's; Basic prefers the qtaccess AuthName. */
export function realmFor(
  qtaccess: QtaccessFile | null,
  action: AccessAction,
  scheme: ChallengeScheme,
  settings: AccessPolicySettings,
  usersRealm?: string,
): string {
  if (scheme === 'digest') return usersRealm ?? settings.defaultRealm;
  return (qtaccess && qtaccessFor(qtaccess, action).authName) || usersRealm || settings.defaultRealm;
}

function writeExemption(clientAddress: string, settings: AccessPolicySettings): string | null {
  const loopback = isLoopbackAddress(clientAddress);
  if (loopback && !settings.authenticateLocalBroadcasts) return 'loopback client may broadcast';
  if (loopback && settings.authenticateLocalBroadcasts) return null;
  const { patterns } = parseAddressPatterns(settings.broadcastAllowList);
  const match = patterns.find((pattern) => addressMatches(pattern, clientAddress));
  return match ? `client address matches allow-list entry ${match.text}` : null;
}

export function decideAccessPolicy(question: AccessQuestion, settings: AccessPolicySettings = DEFAULT_ACCESS_POLICY_SETTINGS): PolicyDecision {
  const { action, qtaccess, user } = question;

  if (action === 'WRITE') {
    const exemption = writeExemption(question.clientAddress, settings);
    if (exemption) return { outcome: 'allow', reason: exemption };
    if (user && user.groups.includes(settings.broadcasterGroup)) {
      return { outcome: 'allow', reason: `user ${user.name} is in group ${settings.broadcasterGroup}` };
    }
  }

  let allowed: boolean;
  let needsAuth: boolean;
  let reason: string;
  if (qtaccess) {
    const decision = decideAccess(qtaccess, { action, user });
    allowed = decision.allowed;
    // For WRITE, authenticating may also help by way of the broadcaster group.
    needsAuth = !decision.allowed && (decision.needsAuth || action === 'WRITE');
    reason = decision.allowed
      ? `qtaccess line ${decision.line}: require ${decision.by}`
      : `qtaccess denies ${action}${decision.line !== undefined ? ` (line ${decision.line} cannot be understood)` : ''}`;
  } else if (action === 'READ' && settings.guestAccess) {
    allowed = true;
    needsAuth = false;
    reason = 'no qtaccess: reads are open';
  } else {
    allowed = user !== null;
    needsAuth = !allowed;
    reason = allowed ? `no qtaccess: authenticated user ${user!.name}` : `no qtaccess: ${action} needs an authenticated user`;
  }

  if (allowed) return { outcome: 'allow', reason };
  const scheme = schemeFor(qtaccess, action, settings);
  if (!needsAuth) return { outcome: 'forbid', status: 403, reason };
  if (scheme === 'none') return { outcome: 'forbid', status: 403, reason: `${reason}; scheme none allows no authentication` };
  return { outcome: 'challenge', status: 401, scheme, realm: realmFor(qtaccess, action, scheme, settings, question.usersRealm), reason };
}
