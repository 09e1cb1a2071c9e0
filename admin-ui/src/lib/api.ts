import type { BadRequestBody, SessionInfo } from '../../../domain/admin/adminApi.js';

/**
 * Calls to the admin's REST API. State-changing calls carry the session's CSRF
 * token (from GET /api/session) in X-CSRF-Token; the session cookie itself is
 * HttpOnly and never seen by this code.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Partial<BadRequestBody> & { error?: string; mustChangePassword?: boolean; passwordIsDefault?: boolean },
  ) {
    super(body.error ?? `HTTP ${status}`);
  }

  get field(): string | undefined {
    return this.body.field;
  }
}

let csrfToken = '';
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(url, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = new ApiError(res.status, (json ?? {}) as ApiError['body']);
    if (res.status === 401 && !url.endsWith('/api/login') && !url.endsWith('/api/session')) onUnauthorized();
    throw error;
  }
  return json as T;
}

export type SessionReply = SessionInfo & { passwordIsDefault: boolean };
