import { api, ApiError, setCsrfToken, whenUnauthorized, type SessionReply } from './api';

/** Who is logged in, as the whole app sees it. */
export const session = $state<{ checked: boolean; info: SessionReply | null; passwordIsDefault: boolean }>({
  checked: false,
  info: null,
  passwordIsDefault: false,
});

export function setSession(info: SessionReply | null): void {
  session.info = info;
  session.checked = true;
  if (info) {
    setCsrfToken(info.csrfToken);
    session.passwordIsDefault = info.passwordIsDefault;
  }
}

export async function checkSession(): Promise<void> {
  try {
    setSession(await api<SessionReply>('GET', '/api/session'));
  } catch (error) {
    if (error instanceof ApiError) session.passwordIsDefault = error.body.passwordIsDefault === true;
    setSession(null);
  }
}

whenUnauthorized(() => setSession(null));
