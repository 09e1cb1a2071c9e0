import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Logged-in admin sessions, in memory (a restart logs everyone out). The browser
 * holds only an opaque token in an HttpOnly, SameSite=Strict cookie; each session
 * also has a CSRF token the page gets from GET /api/session and sends back as a
 * header on every state-changing call.
 */
export interface AdminSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly user: string;
  readonly clientAddress: string;
  readonly createdAt: number;
  lastSeenAt: number;
  mustChangePassword: boolean;
}

export const SESSION_COOKIE = 'streamhouse_admin';
const IDLE_MS = 60 * 60_000;
const LIFETIME_MS = 12 * 60 * 60_000;
const MAX_SESSIONS = 1000;

export class AdminSessions {
  private readonly sessions = new Map<string, AdminSession>();

  constructor(private readonly now: () => number = Date.now) {}

  create(user: string, clientAddress: string, mustChangePassword: boolean): AdminSession {
    const now = this.now();
    const session: AdminSession = {
      token: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      user,
      clientAddress,
      createdAt: now,
      lastSeenAt: now,
      mustChangePassword,
    };
    this.sessions.set(session.token, session);
    while (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  /** The live session for a cookie value, touched; expired ones are dropped. */
  get(token: string | undefined): AdminSession | null {
    if (!token) return null;
    const session = this.sessions.get(token);
    if (!session) return null;
    const now = this.now();
    if (now - session.lastSeenAt > IDLE_MS || now - session.createdAt > LIFETIME_MS) {
      this.sessions.delete(token);
      return null;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** Like get, without counting as activity (a page left open does not keep a session alive). */
  peek(token: string): AdminSession | null {
    const session = this.sessions.get(token);
    if (!session) return null;
    const now = this.now();
    return now - session.lastSeenAt > IDLE_MS || now - session.createdAt > LIFETIME_MS ? null : session;
  }

  delete(token: string): void {
    this.sessions.delete(token);
  }

  /** After a password change every other session of the user ends. */
  endOthers(keep: AdminSession): void {
    for (const [token, session] of this.sessions) if (session !== keep && session.user === keep.user) this.sessions.delete(token);
  }

  static csrfMatches(session: AdminSession, header: string | undefined): boolean {
    if (!header) return false;
    const a = Buffer.from(session.csrfToken);
    const b = Buffer.from(header);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
