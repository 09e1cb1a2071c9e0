/**
 * Rules for the names and passwords kept in qtusers/qtgroups. DSS's limits are kept
 * (names ≤ 255 characters without `:`, passwords ≤ 80 characters); on top of them a
 * new name may not hold whitespace or control characters, because qtgroups lists
 * members separated by spaces and every file is line-based: such a name could be
 * written but never read back as the same name.
 */
export const MAX_NAME_LENGTH = 255;
export const MAX_PASSWORD_LENGTH = 80;
export const MAX_REALM_LENGTH = 255;
export const DEFAULT_REALM = 'Streaming Server';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot be a user or group name, or null when it can. */
export function nameProblem(name: string, what = 'name'): string | null {
  if (name.length === 0) return `${what} is empty`;
  if ([...name].length > MAX_NAME_LENGTH) return `${what} is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.includes(':')) return `${what} contains ":"`;
  if (CONTROL.test(name)) return `${what} contains a control character`;
  if (/\s/u.test(name)) return `${what} contains whitespace`;
  return null;
}

/** Why `password` cannot be used, or null. Length counts characters, not bytes. */
export function passwordProblem(password: string): string | null {
  if (password.length === 0) return 'password is empty';
  if ([...password].length > MAX_PASSWORD_LENGTH) return `password is longer than ${MAX_PASSWORD_LENGTH} characters`;
  if (/[\r\n\0]/.test(password)) return 'password contains a line break or NUL';
  return null;
}

/**
 * Why `realm` cannot be a realm, or null. It goes into `realm="…"` of every challenge
 * and into each Digest HA1, so quotes and backslashes (which clients unescape
 * inconsistently) are refused along with control characters.
 */
export function realmProblem(realm: string): string | null {
  if (realm.trim().length === 0) return 'realm is empty';
  if ([...realm].length > MAX_REALM_LENGTH) return `realm is longer than ${MAX_REALM_LENGTH} characters`;
  if (CONTROL.test(realm)) return 'realm contains a control character';
  if (/["\\]/.test(realm)) return 'realm contains a quote or backslash';
  if (realm !== realm.trim()) return 'realm starts or ends with whitespace';
  return null;
}
