/** The Session header (RFC 2326 §12.37): `id[;timeout=seconds]`. */
export interface SessionHeader {
  readonly id: string;
  readonly timeout?: number;
}

const SESSION_ID = /^[0-9A-Za-z$\-_.+]{1,128}$/;

/** Parses by cutting at `;` (QTSS-COMPAT §2); null when the id is empty or malformed. */
export function parseSession(value: string): SessionHeader | null {
  const [rawId, ...params] = value.split(';');
  const id = (rawId ?? '').trim();
  if (!SESSION_ID.test(id)) return null;
  for (const param of params) {
    const m = /^\s*timeout\s*=\s*(\d{1,9})\s*$/i.exec(param);
    if (m) return { id, timeout: Number(m[1]) };
  }
  return { id };
}

export function formatSession(header: SessionHeader): string {
  return header.timeout === undefined ? header.id : `${header.id};timeout=${header.timeout}`;
}
