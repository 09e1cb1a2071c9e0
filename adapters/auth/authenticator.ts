import { createHmac, randomBytes as cryptoRandomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { DEFAULT_ACCESS_POLICY_SETTINGS, decideAccessPolicy, schemeFor, type AccessPolicySettings } from '../../domain/auth/accessPolicy.js';
import { formatBasicChallenge, parseBasicAuthorization } from '../../domain/auth/basic.js';
import { createCryptHash, CRYPT_SALT_BYTES, verifyCryptPassword } from '../../domain/auth/crypt/passwordHash.js';
import {
  checkNonce,
  createNonce,
  formatDigestChallenge,
  NONCE_RANDOM_BYTES,
  NonceCounter,
  parseDigestAuthorization,
  parseNonceCount,
  verifyDigestResponse,
} from '../../domain/auth/digest.js';
import { FailureThrottle, type FailureThrottleOptions } from '../../domain/auth/failureThrottle.js';
import { qtaccessFor, type AccessAction, type AuthScheme } from '../../domain/auth/qtaccess.js';
import { OutsideMoviesFolderError, QtaccessLocator } from './qtaccessLocator.js';
import { UserDirectory } from './userDirectory.js';

/**
 * Decides whether one RTSP request may go ahead, doing the I/O the pure policy needs:
 * finds the governing qtaccess, loads the users/groups files it names (or the
 * server's), checks the credentials of the scheme in force, and answers either
 * "allowed" (with the user, when one authenticated) or a ready-made refusal: a 401
 * with exactly one WWW-Authenticate challenge, or a 403. Plain inputs and outputs,
 * no RTSP types: the request router maps them onto its messages.
 *
 * Only credentials of the scheme in force count (a Basic header when Digest is
 * required is ignored: accepting it would let a client downgrade the scheme).
 * Wrong credentials that end in a refusal count as failures for the client address
 * (FailureThrottle): answers are delayed, then the address is refused (403) for a
 * while. Credentials are not even checked while an address is refused, but content
 * open to anyone stays open to it.
 */
export interface AuthenticationRequest {
  /** RTSP method, as in the request line (used in the Digest response). */
  readonly method: string;
  /** Request URI, as in the request line. */
  readonly uri: string;
  readonly headers: Iterable<readonly [string, string]>;
  readonly clientAddress: string;
  /** The requested file in the movies folder (absolute, or relative to it); need not exist. */
  readonly filePath: string;
  readonly action: AccessAction;
}

export interface AuthenticatedUser {
  readonly name: string;
  readonly groups: readonly string[];
  readonly scheme: 'basic' | 'digest';
}

export type AuthenticationResult =
  | {
      readonly allowed: true;
      /** The authenticated user, or null when access was granted without one. */
      readonly user: AuthenticatedUser | null;
      /** Realm in force (for the access log's sc(Realm)). */
      readonly realm: string;
      readonly reason: string;
    }
  | {
      readonly allowed: false;
      readonly status: 401 | 403;
      /** [['WWW-Authenticate', …]] for a 401; empty for a 403. */
      readonly headers: Array<[string, string]>;
      readonly reason: string;
      readonly realm: string;
      /** The user name the client tried, for logs. */
      readonly attemptedUser: string | null;
      /** How long the answer was held back because of earlier failures. */
      readonly delayedMs: number;
    };

export interface AuthenticatorOptions {
  readonly moviesRoot: string;
  readonly policy?: Partial<AccessPolicySettings>;
  /** The server's qtusers and qtgroups (DSS: /etc/streaming/qtusers, qtgroups). */
  readonly usersFile?: string;
  readonly groupsFile?: string;
  /** Secret for signing nonces; a random one per process by default. */
  readonly nonceSecret?: Uint8Array;
  /** How long a nonce stays fresh (default 5 minutes). */
  readonly nonceLifetimeMs?: number;
  /** Offer qop="auth" in Digest challenges (default true; answers without qop are still accepted). */
  readonly offerQop?: boolean;
  /** Failure throttling thresholds, or false to turn it off. */
  readonly throttle?: Partial<FailureThrottleOptions> | false;
  /** Logs problems worth an administrator's eye (unreadable or malformed files). */
  readonly log?: (level: 'WARNING' | 'INFO', message: string) => void;
  readonly now?: () => number;
  readonly randomBytes?: (size: number) => Uint8Array;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly locator?: QtaccessLocator;
  readonly directory?: UserDirectory;
  /**
   * How long what was seen of qtaccess, users and groups files is trusted, ms, for
   * the locator and directory made here: 0 (the default) stats them on every request;
   * the server uses FILE_RECHECK_MS (an edit counts within a second).
   */
  readonly fileRecheckMs?: number;
}

let dummyHash: string | null = null;
function unknownUserHash(): string {
  dummyHash ??= createCryptHash('no such user', Buffer.alloc(CRYPT_SALT_BYTES, 1));
  return dummyHash;
}

/** Successful Basic checks remembered, so a client sending its password on every request costs one hash. */
const VERIFIED_CACHE_SIZE = 1000;

export class Authenticator {
  readonly policy: AccessPolicySettings;
  readonly locator: QtaccessLocator;
  readonly directory: UserDirectory;
  private readonly secret: Uint8Array;
  private readonly nonceLifetimeMs: number;
  private readonly offerQop: boolean;
  private readonly throttle: FailureThrottle | null;
  private readonly nonceCounter = new NonceCounter(10_000);
  private readonly verified = new Map<string, true>();
  private readonly loggedFiles = new WeakSet<object>();
  private checks = 0;
  private readonly now: () => number;
  private readonly random: (size: number) => Uint8Array;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (level: 'WARNING' | 'INFO', message: string) => void;

  constructor(options: AuthenticatorOptions) {
    this.policy = { ...DEFAULT_ACCESS_POLICY_SETTINGS, ...options.policy };
    const recheck = options.fileRecheckMs !== undefined ? { recheckMs: options.fileRecheckMs } : {};
    this.locator = options.locator ?? new QtaccessLocator({ moviesRoot: options.moviesRoot, ...recheck });
    this.directory =
      options.directory ??
      new UserDirectory({
        ...(options.usersFile !== undefined && { usersFile: options.usersFile }),
        ...(options.groupsFile !== undefined && { groupsFile: options.groupsFile }),
        ...recheck,
      });
    this.random = options.randomBytes ?? ((size) => cryptoRandomBytes(size));
    this.secret = options.nonceSecret ?? this.random(32);
    this.nonceLifetimeMs = options.nonceLifetimeMs ?? 5 * 60_000;
    this.offerQop = options.offerQop ?? true;
    this.throttle = options.throttle === false ? null : new FailureThrottle(options.throttle ?? {});
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms).then(() => undefined));
    this.log = options.log ?? (() => {});
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const { action, clientAddress } = request;
    let lookup;
    try {
      lookup = await this.locator.locate(request.filePath);
    } catch (error) {
      if (!(error instanceof OutsideMoviesFolderError)) throw error;
      return this.refuse(403, [], `${request.filePath} is outside the movies folder`, this.policy.defaultRealm, null, 0);
    }
    for (const skipped of lookup.skipped) this.log('WARNING', `qtaccess ${skipped.path} cannot be read (${skipped.reason}); looking further up`);
    const found = lookup.found;
    const qtaccess = found?.file ?? null;
    if (found && !this.loggedFiles.has(found.file)) {
      this.loggedFiles.add(found.file);
      for (const issue of found.file.errors) this.log('WARNING', `${found.path}:${issue.line}: ${issue.message}`);
    }

    const view = qtaccess ? qtaccessFor(qtaccess, action) : null;
    const usersFile = view?.authUserFile ? path.resolve(found!.dir, view.authUserFile) : this.directory.usersFile;
    const groupsFile = view?.authGroupFile ? path.resolve(found!.dir, view.authGroupFile) : this.directory.groupsFile;
    const users = await this.directory.loadUsers(usersFile);
    if (users.unreadable && users.unreadable !== 'ENOENT') this.log('WARNING', `users file ${usersFile} cannot be read (${users.unreadable})`);
    if (!this.loggedFiles.has(users.file)) {
      this.loggedFiles.add(users.file);
      for (const issue of users.file.errors) this.log('WARNING', `${usersFile}:${issue.line}: ${issue.message}`);
    }
    const usersRealm = users.file.realm;
    const scheme = schemeFor(qtaccess, action, this.policy);
    const realm = scheme === 'digest' ? usersRealm : (view?.authName ?? usersRealm);

    const nowMs = this.now();
    const attempt = this.findCredentials(request.headers, scheme);
    const gate = this.throttle && attempt.present ? this.throttle.check(clientAddress, nowMs) : null;
    const blocked = gate?.verdict === 'block';

    let user: AuthenticatedUser | null = null;
    let failed = false;
    let stale = false;
    let note = attempt.note;
    if (attempt.present && !blocked) {
      const outcome = await this.checkCredentials(attempt.header!, scheme as 'basic' | 'digest', request, usersFile, groupsFile, usersRealm, nowMs);
      user = outcome.user;
      failed = outcome.failed;
      stale = outcome.stale;
      note = outcome.note;
    }

    const decision = decideAccessPolicy({ action, qtaccess, clientAddress, user, usersRealm }, this.policy);
    this.pruneNonces(nowMs);
    if (decision.outcome === 'allow') {
      if (user) this.throttle?.recordSuccess(clientAddress);
      return { allowed: true, user, realm, reason: user ? `${decision.reason} (as ${user.name})` : decision.reason };
    }

    const reason = note ? `${decision.reason}; ${note}` : decision.reason;
    let verdict = gate;
    if (failed && this.throttle) verdict = this.throttle.recordFailure(clientAddress, nowMs);
    if (verdict?.verdict === 'block') {
      return this.refuse(403, [], `${reason}; too many failed logins from ${clientAddress}`, realm, attempt.username, 0);
    }
    const delayMs = failed && verdict?.verdict === 'delay' ? verdict.delayMs : 0;
    if (delayMs > 0) await this.sleep(delayMs);
    if (decision.outcome === 'forbid') return this.refuse(403, [], reason, realm, attempt.username, delayMs);

    const challenge =
      decision.scheme === 'basic'
        ? formatBasicChallenge(decision.realm)
        : formatDigestChallenge({
            realm: decision.realm,
            nonce: createNonce({ secret: this.secret, nowMs, random: this.random(NONCE_RANDOM_BYTES), bindTo: clientAddress }),
            stale,
            qop: this.offerQop,
          });
    return this.refuse(401, [['WWW-Authenticate', challenge]], reason, decision.realm, attempt.username, delayMs);
  }

  private refuse(
    status: 401 | 403,
    headers: Array<[string, string]>,
    reason: string,
    realm: string,
    attemptedUser: string | null,
    delayedMs: number,
  ): AuthenticationResult {
    return { allowed: false, status, headers, reason, realm, attemptedUser, delayedMs };
  }

  /** The Authorization header of the scheme in force, if the client sent one. */
  private findCredentials(
    headers: Iterable<readonly [string, string]>,
    scheme: AuthScheme,
  ): { present: boolean; header?: string; username: string | null; note?: string } {
    const values: string[] = [];
    for (const [name, value] of headers) if (name.toLowerCase() === 'authorization') values.push(value);
    if (values.length === 0) return { present: false, username: null };
    if (scheme === 'none') return { present: false, username: null, note: 'credentials ignored: scheme is none' };
    const wanted = values.find((value) => value.trim().toLowerCase().startsWith(`${scheme} `));
    if (!wanted) return { present: false, username: null, note: `credentials ignored: only ${scheme} is accepted here` };
    let username: string | null = null;
    if (scheme === 'basic') username = parseBasicAuthorization(wanted)?.username ?? null;
    else {
      const parsed = parseDigestAuthorization(wanted);
      username = parsed.ok ? parsed.credentials.username : null;
    }
    return { present: true, header: wanted, username };
  }

  private async checkCredentials(
    header: string,
    scheme: 'basic' | 'digest',
    request: AuthenticationRequest,
    usersFile: string,
    groupsFile: string,
    usersRealm: string,
    nowMs: number,
  ): Promise<{ user: AuthenticatedUser | null; failed: boolean; stale: boolean; note?: string }> {
    const fail = (note: string) => ({ user: null, failed: true, stale: false, note });
    if (scheme === 'basic') {
      const credentials = parseBasicAuthorization(header);
      if (!credentials) return fail('malformed Basic credentials');
      const record = await this.directory.lookup(credentials.username, { usersFile, groupsFile });
      // An unknown user costs the same hashing time as a known one: timing must not tell which names exist.
      if (!record) verifyCryptPassword(credentials.password, unknownUserHash());
      if (!record || !this.verifyBasic(usersFile, record.name, record.cryptHash, credentials.password)) {
        return fail(`wrong user name or password for ${JSON.stringify(credentials.username)}`);
      }
      return { user: { name: record.name, groups: record.groups, scheme }, failed: false, stale: false };
    }

    const parsed = parseDigestAuthorization(header);
    if (!parsed.ok) return fail(parsed.reason);
    const credentials = parsed.credentials;
    const record = await this.directory.lookup(credentials.username, { usersFile, groupsFile });
    if (!record || record.digestHa1 === null) return fail(`wrong user name or password for ${JSON.stringify(credentials.username)}`);
    const right = verifyDigestResponse(credentials, { ha1: record.digestHa1, method: request.method, realm: usersRealm, requestUri: request.uri });
    if (!right) return fail(`wrong Digest response for ${JSON.stringify(credentials.username)}`);
    // The response is right; only the nonce can still be a problem, which makes it stale.
    const nonce = checkNonce(credentials.nonce, { secret: this.secret, nowMs, maxAgeMs: this.nonceLifetimeMs, bindTo: request.clientAddress });
    const staleResult = (note: string) => ({ user: null, failed: false, stale: true, note });
    if (nonce.status !== 'fresh') return staleResult(nonce.status === 'stale' ? 'nonce expired' : 'nonce not issued to this client by this server');
    if (credentials.qop === 'auth') {
      const verdict = this.nonceCounter.check(credentials.nonce, parseNonceCount(credentials.nc!), nonce.issuedAtMs);
      if (verdict !== 'ok') return staleResult(verdict === 'replay' ? 'nonce count not increasing (replay?)' : 'nonce no longer tracked');
    }
    return { user: { name: record.name, groups: record.groups, scheme }, failed: false, stale: false };
  }

  private verifyBasic(usersFile: string, name: string, cryptHash: string, password: string): boolean {
    const key = createHmac('sha256', this.secret).update(`${usersFile}\0${name}\0${cryptHash}\0${password}`).digest('base64');
    if (this.verified.has(key)) {
      this.verified.delete(key);
      this.verified.set(key, true);
      return true;
    }
    if (!verifyCryptPassword(password, cryptHash)) return false;
    this.verified.set(key, true);
    while (this.verified.size > VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    return true;
  }

  private pruneNonces(nowMs: number): void {
    if (++this.checks % 256 === 0) this.nonceCounter.prune(nowMs - this.nonceLifetimeMs);
  }
}
