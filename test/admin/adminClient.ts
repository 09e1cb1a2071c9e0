import http from 'node:http';
import type { ServerProcess } from '../helpers/serverProcess.js';

/**
 * A small client of the admin's REST API for tests: keeps the session cookie and
 * the CSRF token like the page does, and lets a test send whatever it wants.
 */
export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly json: any;
}

export function adminPortOf(server: ServerProcess): number {
  const match = /admin listening on port (\d+)/.exec(server.output());
  if (!match) throw new Error(`no admin port in:\n${server.output()}`);
  return Number(match[1]);
}

export function request(port: number, method: string, path: string, options: { body?: string; headers?: Record<string, string>; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: options.host ?? '127.0.0.1', port, method, path, headers: { ...(options.body !== undefined ? { 'Content-Length': Buffer.byteLength(options.body) } : {}), ...options.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export class AdminClient {
  cookie = '';
  csrf = '';

  constructor(
    readonly port: number,
    readonly host = '127.0.0.1',
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const reply = await request(this.port, method, path, {
      host: this.host,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'X-CSRF-Token': this.csrf } : {}),
        ...headers,
      },
    });
    const set = reply.headers['set-cookie']?.[0];
    if (set) this.cookie = set.split(';')[0]!;
    if (reply.json?.csrfToken) this.csrf = reply.json.csrfToken;
    return reply;
  }

  login(password: string, user = 'streamingadmin'): Promise<Reply> {
    return this.call('POST', '/api/login', { user, password });
  }

  /** Logs in with the default password and sets a real one. */
  async loginAndSetPassword(password: string): Promise<void> {
    const first = await this.login('default');
    if (first.status !== 200) throw new Error(`login: ${first.status} ${first.text}`);
    const changed = await this.call('POST', '/api/password', { current: 'default', next: password });
    if (changed.status !== 200) throw new Error(`password: ${changed.status} ${changed.text}`);
  }
}
