/**
 * The `name=value, name="quoted, value"` lists of Authorization and WWW-Authenticate
 * headers (RFC 2617 / RFC 7235 auth-params). Names are case-insensitive and returned
 * lower-case; a quoted-string may hold commas and `\`-escaped characters. Anything
 * malformed, or a name given twice, makes the whole list unparseable (null): with
 * credentials, guessing is worse than refusing.
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseAuthParams(text: string): Map<string, string> | null {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (i < n) {
    skipSpace();
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < n && TOKEN_CHAR.test(text[i]!)) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name === '') return null;
    skipSpace();
    if (text[i] !== '=') return null;
    i++;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const ch = text[i]!;
        if (ch === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        value += ch;
        i++;
      }
      if (!closed) return null;
    } else {
      const valueStart = i;
      while (i < n && TOKEN_CHAR.test(text[i]!)) i++;
      value = text.slice(valueStart, i);
      if (value === '') return null;
    }
    if (params.has(name)) return null;
    params.set(name, value);
    skipSpace();
    if (i < n && text[i] !== ',') return null;
  }
  return params;
}

/** A quoted-string, escaping `"` and `\`. */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** Splits `Scheme rest` (scheme compared case-insensitively by callers). */
export function splitScheme(header: string): { scheme: string; rest: string } | null {
  const trimmed = header.trim();
  const match = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:[ \t]+([\s\S]*))?$/.exec(trimmed);
  if (!match) return null;
  return { scheme: match[1]!, rest: (match[2] ?? '').trim() };
}
