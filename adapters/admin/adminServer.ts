import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { z } from 'zod';
import {
  badRequestBody,
  emptyObject,
  fieldIssues,
  loginRequest,
  movieQuery,
  passwordChangeRequest,
  viewQuery,
  wsClientMessage,
  type SessionInfo,
} from '../../domain/admin/adminApi.js';
import { decideSettingsChange, RESTART_NEEDED, settingsChangeSchema } from '../../domain/admin/adminSettings.js';
import { isViewName, replayView, type ViewName } from '../../domain/admin/views.js';
import { FailureThrottle } from '../../domain/auth/failureThrottle.js';
import type { AdminSettings } from '../../domain/events/adminEvents.js';
import type { CurrentEventSource } from '../../eventstore/upcastingReader.js';
import type { Limits } from '../rtp/admissionControl.js';
import { AdminCredentials } from './adminCredentials.js';
import { AdminSessions, SESSION_COOKIE, type AdminSession } from './adminSessions.js';
import type { LiveViews } from './liveViews.js';
import { listMovies, moviePathForUrl, referenceMovieText } from './moviesCatalog.js';
import { readSavedSettings, writeSavedSettings } from './savedSettings.js';
import { startupStatus, systemdUnit } from './systemdUnit.js';

/**
 * The web admin (QTSS's Streaming Server Admin on port 1220): the built admin-ui,
 * a JSON REST API and a WebSocket that streams the live views. Every input is
 * checked by the zod schemas in domain/admin; refusals name the field.
 *
 * Security, as the issue asks: one user, `streamingadmin`; while its password is the
 * default, only loopback clients are answered and the first page forces a change.
 * Sessions are opaque tokens in HttpOnly SameSite=Strict cookies; state-changing
 * calls need JSON, a same-origin Origin (when the browser sends one) and the
 * session's CSRF token in `X-CSRF-Token`. Failed logins are slowed, then blocked.
 * Logins, logouts and settings changes are events naming who.
 */
export interface AdminJournal {
  record(type: string, data: unknown): void;
}

export interface AdminLogger {
  log(level: 'FATAL' | 'WARNING' | 'INFO' | 'DEBUG', message: string): void;
}

export interface AdminServerDeps {
  /** The events, upcast to the current schema, for views "as of" a past moment. */
  readonly events: CurrentEventSource;
  readonly views: LiveViews;
  readonly journal: AdminJournal;
  readonly logger: AdminLogger;
  /** The live limits the admission control reads: changed here, applied to the next session. */
  readonly limits: Limits;
  /** The settings in force now (after saved admin changes). */
  readonly settings: AdminSettings;
  readonly dataFolder: string;
  readonly moviesFolder: string;
  /** RTSP ports listening now, for the URLs the movies page hands out. */
  readonly rtspPorts: () => readonly number[];
  readonly uiFolder: string;
  readonly listenAddresses: readonly string[];
  readonly port: number;
  /** The server's own command line, for the systemd unit the settings page shows. */
  readonly commandLine?: readonly string[];
}

export interface AdminServer {
  readonly port: number;
  readonly addresses: readonly string[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const MAX_BODY = 64 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function clientAddress(req: http.IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function cookies(req: http.IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/** A browser's request from another site: refused for anything that changes state. */
function crossSite(req: http.IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false; // Not a browser (curl, scripts): the CSRF token still applies.
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new HttpError(400, { ...badRequestBody(result.error) });
  return result.data;
}

function queryObject(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (key in query) throw new HttpError(400, { error: `invalid ${key}: given twice`, field: key, issues: [{ field: key, message: 'given twice' }] });
    query[key] = value;
  }
  return query;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, { error: `body over ${MAX_BODY} bytes`, field: '(body)' });
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  if (type !== 'application/json') throw new HttpError(415, { error: 'send JSON (Content-Type: application/json)', field: '(body)' });
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, { error: 'invalid (body): not JSON', field: '(body)', issues: [{ field: '(body)', message: 'not JSON' }] });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function securityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

const sessionCookie = (token: string): string => `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
const clearedCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

type Access = 'public' | 'session' | 'ready';
interface RouteContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  readonly client: string;
  readonly session: AdminSession | null;
  readonly params: Record<string, string>;
}
interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly access: Access;
  readonly handler: (ctx: RouteContext) => Promise<void>;
}

export async function startAdminServer(deps: AdminServerDeps): Promise<AdminServer> {
  const credentials = await AdminCredentials.open(deps.dataFolder);
  const sessions = new AdminSessions();
  const throttle = new FailureThrottle({ delayAfter: 1, baseDelayMs: 500, maxDelayMs: 8000, blockAfter: 10, blockMs: 5 * 60_000 });
  let current: AdminSettings = { ...deps.settings };
  let settingsQueue: Promise<unknown> = Promise.resolve();

  const routes: Route[] = [];
  const route = (method: string, pathPattern: string, access: Access, handler: Route['handler']): void => {
    const keys: string[] = [];
    const pattern = new RegExp(`^${pathPattern.replace(/:(\w+)/g, (_, key: string) => (keys.push(key), '([^/]+)'))}$`);
    routes.push({ method, pattern, keys, access, handler });
  };

  const sessionInfo = (session: AdminSession): SessionInfo => ({ user: session.user, csrfToken: session.csrfToken, mustChangePassword: session.mustChangePassword });

  const loginFailed = async (client: string, user: string, reason: 'wrong-password' | 'unknown-user' | 'blocked'): Promise<void> => {
    deps.journal.record('AdminLoginFailed', { user: user.slice(0, 200), clientAddress: client, reason });
    deps.logger.log('WARNING', `admin login refused for ${JSON.stringify(user.slice(0, 64))} from ${client}: ${reason}`);
  };

  // --- session ---------------------------------------------------------------------
  route('GET', '/api/session', 'public', async ({ res, url, session }) => {
    parse(emptyObject, queryObject(url));
    if (!session) throw new HttpError(401, { error: 'not logged in', passwordIsDefault: credentials.passwordIsDefault });
    send(res, 200, { ...sessionInfo(session), passwordIsDefault: credentials.passwordIsDefault });
  });

  route('POST', '/api/login', 'public', async ({ req, res, client }) => {
    const body = parse(loginRequest, await readJson(req));
    const gate = throttle.check(client, Date.now());
    if (gate.verdict === 'block') {
      await loginFailed(client, body.user, 'blocked');
      throw new HttpError(429, { error: `too many failed logins: try again in ${Math.ceil(gate.retryAfterMs / 1000)} s` });
    }
    const ok = await credentials.verify(body.user, body.password);
    if (!ok) {
      const verdict = throttle.recordFailure(client, Date.now());
      // Every failure costs the guesser time; repeated ones more, then a block.
      await sleep(Math.max(500, verdict.verdict === 'delay' ? verdict.delayMs : 0));
      await loginFailed(client, body.user, body.user === credentials.user ? 'wrong-password' : 'unknown-user');
      throw new HttpError(401, { error: 'wrong user name or password' });
    }
    throttle.recordSuccess(client);
    const session = sessions.create(body.user, client, credentials.passwordIsDefault);
    deps.journal.record('AdminLoggedIn', { user: session.user, clientAddress: client, mustChangePassword: session.mustChangePassword });
    deps.logger.log('INFO', `admin ${session.user} logged in from ${client}`);
    send(res, 200, { ...sessionInfo(session), passwordIsDefault: credentials.passwordIsDefault }, { 'Set-Cookie': sessionCookie(session.token) });
  });

  route('POST', '/api/logout', 'session', async ({ req, res, session, client }) => {
    const body = await readJson(req);
    if (body !== undefined) parse(emptyObject, body);
    sessions.delete(session!.token);
    deps.journal.record('AdminLoggedOut', { user: session!.user, clientAddress: client });
    send(res, 200, { loggedOut: true }, { 'Set-Cookie': clearedCookie });
  });

  route('POST', '/api/password', 'session', async ({ req, res, session, client }) => {
    const body = parse(passwordChangeRequest, await readJson(req));
    if (!(await credentials.verify(session!.user, body.current))) {
      const verdict = throttle.recordFailure(client, Date.now());
      await sleep(Math.max(500, verdict.verdict === 'delay' ? verdict.delayMs : 0));
      throw new HttpError(400, { error: 'invalid current: not the current password', field: 'current', issues: [{ field: 'current', message: 'not the current password' }] });
    }
    await credentials.change(body.next);
    session!.mustChangePassword = false;
    sessions.endOthers(session!);
    deps.journal.record('SettingsChanged', {
      by: session!.user,
      clientAddress: client,
      changes: { adminPassword: { from: '(hidden)', to: '(hidden)' } },
      restartNeeded: false,
    });
    deps.logger.log('INFO', `admin password changed by ${session!.user} from ${client}`);
    send(res, 200, { ...sessionInfo(session!), passwordIsDefault: credentials.passwordIsDefault });
  });

  // --- settings ----------------------------------------------------------------------
  const settingsBody = () => ({
    settings: current,
    restartNeededFor: [...RESTART_NEEDED],
    pendingRestart: (deps.views.present('settings').pendingRestart ?? []) as readonly string[],
  });

  route('GET', '/api/settings', 'ready', async ({ res, url }) => {
    parse(emptyObject, queryObject(url));
    send(res, 200, settingsBody());
  });

  route('PATCH', '/api/settings', 'ready', async ({ req, res, session, client }) => {
    const body = await readJson(req);
    const change = parse(settingsChangeSchema, body ?? {});
    // One change at a time: each decides against the settings the last one left.
    const run = settingsQueue.then(async () => {
      const decision = decideSettingsChange(current, change);
      const names = Object.keys(decision.changes);
      if (names.length === 0) return { changes: {}, restartNeeded: false, appliedNow: [] as string[] };
      const saved = await readSavedSettings(deps.dataFolder);
      for (const name of names) (saved as Record<string, unknown>)[name] = (decision.next as Record<string, unknown>)[name];
      await writeSavedSettings(deps.dataFolder, saved);
      current = decision.next;
      // Limits apply to the next session at once; log settings through the SettingsChanged event itself.
      deps.limits.maxConnections = current.maxConnections;
      deps.limits.maxThroughputKbps = current.maxThroughputKbps;
      deps.journal.record('SettingsChanged', { by: session!.user, clientAddress: client, changes: decision.changes, restartNeeded: decision.restartNeeded });
      const described = names.map((n) => `${n} ${JSON.stringify(decision.changes[n]!.from)} -> ${JSON.stringify(decision.changes[n]!.to)}`).join(', ');
      deps.logger.log('INFO', `settings changed by ${session!.user} from ${client}: ${described}${decision.restartNeeded ? ' (restart needed)' : ''}`);
      return { changes: decision.changes, restartNeeded: decision.restartNeeded, appliedNow: names.filter((n) => !RESTART_NEEDED.has(n as never)) };
    });
    settingsQueue = run.catch(() => {});
    const result = await run;
    const pending = new Set([...settingsBody().pendingRestart, ...Object.keys(result.changes).filter((n) => RESTART_NEEDED.has(n as never))]);
    send(res, 200, { ...result, ...settingsBody(), pendingRestart: [...pending] });
  });

  route('GET', '/api/startup', 'ready', async ({ res, url }) => {
    parse(emptyObject, queryObject(url));
    send(res, 200, { ...(await startupStatus()), unit: systemdUnit(deps.commandLine ?? []) });
  });

  // --- views -------------------------------------------------------------------------
  route('GET', '/api/views', 'ready', async ({ res, url }) => {
    parse(emptyObject, queryObject(url));
    send(res, 200, { views: ['snapshot', 'connected-users', 'settings', 'error-log', 'access-log', 'throughput'] });
  });

  route('GET', '/api/views/:name', 'ready', async ({ res, url, params }) => {
    const name = params.name!;
    if (!isViewName(name)) throw new HttpError(404, { error: `no view ${name}`, field: 'name' });
    const query = parse(viewQuery, queryObject(url));
    if (query.at === undefined) {
      await deps.views.ready();
      send(res, 200, deps.views.present(name));
      return;
    }
    // The same fold, over the events recorded up to that moment.
    send(res, 200, replayView(name as ViewName, await deps.events.readAll(), query.at));
  });

  // --- movies ------------------------------------------------------------------------
  const rtspUrl = (req: http.IncomingMessage, movie: string): string => {
    const ports = deps.rtspPorts();
    const port = ports.includes(554) ? 554 : ports.includes(8554) ? 8554 : (ports[0] ?? 554);
    const host = new URL(`http://${req.headers.host ?? '127.0.0.1'}`).hostname;
    return `rtsp://${host}${port === 554 ? '' : `:${port}`}/${moviePathForUrl(movie)}`;
  };

  route('GET', '/api/movies', 'ready', async ({ req, res, url }) => {
    parse(emptyObject, queryObject(url));
    const movies = await listMovies(deps.moviesFolder);
    send(res, 200, { movies: movies.map((m) => ({ ...m, url: rtspUrl(req, m.path) })) });
  });

  route('GET', '/api/movies/reference', 'ready', async ({ req, res, url }) => {
    const { movie } = parse(movieQuery, queryObject(url));
    const file = path.join(deps.moviesFolder, ...movie.split('/'));
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new HttpError(404, { error: `no movie ${movie}`, field: 'movie' });
    const base = path.basename(movie).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'movie';
    res.writeHead(200, {
      'Content-Type': 'video/quicktime',
      'Content-Disposition': `attachment; filename="${base}-reference.mov"`,
      'Cache-Control': 'no-store',
    });
    res.end(referenceMovieText(rtspUrl(req, movie)));
  });

  // --- dispatch ------------------------------------------------------------------------
  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, client: string): Promise<void> {
    const method = req.method ?? 'GET';
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) throw new HttpError(404, { error: `no endpoint ${url.pathname}` });
    const found = matching.find((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'));
    if (!found) throw new HttpError(405, { error: `${method} not allowed on ${url.pathname}` });
    const changesState = !['GET', 'HEAD'].includes(method);
    if (changesState && crossSite(req)) throw new HttpError(403, { error: 'cross-site request refused' });
    const token = cookies(req).get(SESSION_COOKIE);
    const session = sessions.get(token);
    if (found.access !== 'public') {
      if (!session) throw new HttpError(401, { error: 'log in first', passwordIsDefault: credentials.passwordIsDefault });
      if (changesState && !AdminSessions.csrfMatches(session, req.headers['x-csrf-token'] as string | undefined)) {
        throw new HttpError(403, { error: 'missing or wrong X-CSRF-Token (from GET /api/session)' });
      }
      if (found.access === 'ready' && session.mustChangePassword) throw new HttpError(403, { error: 'change the default password first', mustChangePassword: true });
    }
    const match = found.pattern.exec(url.pathname)!;
    const params: Record<string, string> = {};
    for (const [i, key] of found.keys.entries()) {
      try {
        params[key] = decodeURIComponent(match[i + 1]!);
      } catch {
        throw new HttpError(400, { error: `invalid ${key}: bad percent-encoding`, field: key, issues: [{ field: key, message: 'bad percent-encoding' }] });
      }
    }
    await found.handler({ req, res, url, client, session, params });
  }

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      send(res, 400, { error: 'bad path', field: 'path' });
      return;
    }
    const root = path.resolve(deps.uiFolder);
    let file = path.resolve(root, `.${pathname}`);
    if (file !== root && !file.startsWith(root + path.sep)) {
      send(res, 404, { error: 'not found' });
      return;
    }
    let info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      // The app's own routes (/users, /settings…) are pages of the one-page app.
      if (path.extname(pathname) !== '') {
        send(res, 404, { error: 'not found' });
        return;
      }
      file = path.join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`The admin UI is not built (${root} is missing): run npm run build.\nThe API answers under /api.\n`);
        return;
      }
    }
    const body = await readFile(file);
    const hashed = pathname.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = http.createServer((req, res) => {
    securityHeaders(res);
    const client = clientAddress(req);
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (credentials.passwordIsDefault && !isLoopback(client)) {
      send(res, 403, { error: 'the admin password is still the default: set it from this machine first (http://127.0.0.1:<admin port>/)' });
      return;
    }
    const work = url.pathname.startsWith('/api/') ? handleApi(req, res, url, client) : serveStatic(req, res, url);
    work.catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        send(res, error.status, error.body);
        return;
      }
      deps.logger.log('WARNING', `admin: ${req.method} ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
      send(res, 500, { error: 'internal error' });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;

  // --- WebSocket: live views ---------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const refuse = (status: number, reason: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const client = clientAddress(req);
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (url.pathname !== '/api/ws') return refuse(404, 'Not Found');
    if (credentials.passwordIsDefault && !isLoopback(client)) return refuse(403, 'Forbidden');
    if (crossSite(req)) return refuse(403, 'Forbidden');
    const token = cookies(req).get(SESSION_COOKIE);
    const session = sessions.get(token);
    if (!session) return refuse(401, 'Unauthorized');
    if (session.mustChangePassword) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, session.token));
  });

  interface Subscription {
    readonly view: ViewName;
    readonly intervalMs: number;
    timer: NodeJS.Timeout | null;
    sentVersion: number;
    lastSeq: number;
  }
  const TIME_VARYING: ReadonlySet<ViewName> = new Set(['snapshot', 'connected-users']);
  const sockets = new Set<WebSocket>();

  function serveSocket(ws: WebSocket, token: string): void {
    sockets.add(ws);
    const subscriptions = new Map<ViewName, Subscription>();
    const sendJson = (message: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const push = (sub: Subscription, first: boolean): void => {
      if (!sessions.peek(token)) {
        ws.close(4401, 'session ended');
        return;
      }
      const version = deps.views.version(sub.view);
      if (!first && version === sub.sentVersion && !TIME_VARYING.has(sub.view)) return;
      sub.sentVersion = version;
      const data = deps.views.present(sub.view) as unknown as Record<string, unknown>;
      const lines = data.lines as Array<{ seq: number }> | undefined;
      if (lines && !first) {
        const fresh = lines.filter((l) => l.seq > sub.lastSeq);
        if (fresh.length === 0) return;
        const gap = lines.length > 0 && fresh.length === lines.length && lines[0]!.seq > sub.lastSeq + 1;
        sub.lastSeq = lines[lines.length - 1]!.seq;
        // Only what is new, unless so much came that lines were missed.
        sendJson(gap ? { type: 'snapshot', view: sub.view, data } : { type: 'append', view: sub.view, asOf: data.asOf, lines: fresh });
        return;
      }
      if (lines) sub.lastSeq = lines.length > 0 ? lines[lines.length - 1]!.seq : sub.lastSeq;
      sendJson({ type: first ? 'snapshot' : 'update', view: sub.view, data });
    };
    const stop = (sub: Subscription): void => {
      if (sub.timer) clearInterval(sub.timer);
      sub.timer = null;
    };
    ws.on('message', (raw, isBinary) => {
      let message: unknown;
      try {
        message = isBinary ? undefined : JSON.parse(raw.toString());
      } catch {
        message = undefined;
      }
      const parsed = wsClientMessage.safeParse(message);
      if (!parsed.success) {
        const issues = fieldIssues(parsed.error);
        sendJson({ type: 'error', error: `invalid ${issues[0]?.field}: ${issues[0]?.message}`, field: issues[0]?.field ?? '(message)', issues });
        return;
      }
      const request = parsed.data;
      const existing = subscriptions.get(request.view);
      if (existing) stop(existing);
      subscriptions.delete(request.view);
      if (request.type === 'unsubscribe') return;
      sessions.get(token); // A subscription is activity.
      const sub: Subscription = { view: request.view, intervalMs: request.intervalMs ?? (TIME_VARYING.has(request.view) ? 1000 : 250), timer: null, sentVersion: -1, lastSeq: 0 };
      subscriptions.set(request.view, sub);
      void deps.views.ready().then(() => {
        if (subscriptions.get(request.view) !== sub) return;
        push(sub, true);
        // At most one message per interval per view (never more than 4 per second).
        sub.timer = setInterval(() => push(sub, false), sub.intervalMs);
      });
    });
    ws.on('close', () => {
      sockets.delete(ws);
      for (const sub of subscriptions.values()) stop(sub);
      subscriptions.clear();
    });
    ws.on('error', () => ws.terminate());
  }

  // --- listen ------------------------------------------------------------------------
  const listeners: http.Server[] = [];
  const bound: string[] = [];
  let port = deps.port;
  for (const address of deps.listenAddresses) {
    const target = listeners.length === 0 ? server : http.createServer((req, res) => server.emit('request', req, res));
    if (target !== server) target.on('upgrade', (req, socket, head) => server.emit('upgrade', req, socket, head));
    try {
      port = await listen(target, port, address);
      listeners.push(target);
      bound.push(address);
    } catch (error) {
      deps.logger.log('WARNING', `admin port ${port} on ${address} not bound: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (listeners.length === 0) throw new Error(`the web admin could not listen on port ${deps.port} (${deps.listenAddresses.join(', ')})`);

  return {
    port,
    addresses: bound,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await Promise.all(
        listeners.map(
          (l) =>
            new Promise<void>((resolve) => {
              l.close(() => resolve());
              l.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function listen(server: http.Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, ipv6Only: address.includes(':') }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

