import { createHash } from 'node:crypto';
import { encode24 } from './cryptAlphabet.js';

/**
 * MD5-crypt (`$1$salt$hash`, Poul-Henning Kamp's FreeBSD scheme), implemented from
 * its published description: salt of at most 8 characters; an "alternate" digest
 * MD5(pw‖salt‖pw) is mixed into MD5(pw‖"$1$"‖salt) once per 16 password bytes; then
 * one byte per bit of the password length (a NUL for a 1 bit, the first password
 * byte for a 0 bit); then 1000 rounds that alternate pw and the running digest,
 * adding the salt when i%3 and the password when i%7; then 22 characters from the
 * digest bytes in the format's fixed order.
 */
export const MD5_CRYPT_PREFIX = '$1$';
const MAGIC = Buffer.from(MD5_CRYPT_PREFIX);

function md5(...parts: Uint8Array[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** Salt from a `$1$salt$…` setting (or a bare salt): up to 8 characters, ending at `$`. */
export function md5CryptSalt(setting: string): string {
  const body = setting.startsWith(MD5_CRYPT_PREFIX) ? setting.slice(MD5_CRYPT_PREFIX.length) : setting;
  const end = body.indexOf('$');
  return (end < 0 ? body : body.slice(0, end)).slice(0, 8);
}

export function md5Crypt(password: Uint8Array | string, setting: string): string {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  const salt = md5CryptSalt(setting);
  const saltBytes = Buffer.from(salt, 'utf8');

  const alternate = md5(pw, saltBytes, pw);
  const main = createHash('md5');
  main.update(pw);
  main.update(MAGIC);
  main.update(saltBytes);
  for (let remaining = pw.length; remaining > 0; remaining -= 16) main.update(alternate.subarray(0, Math.min(16, remaining)));
  const nul = Buffer.from([0]);
  const first = pw.subarray(0, 1);
  for (let bits = pw.length; bits > 0; bits >>>= 1) main.update(bits & 1 ? nul : first);
  let digest = main.digest();

  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? pw : digest);
    if (i % 3) round.update(saltBytes);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? digest : pw);
    digest = round.digest();
  }

  const d = digest;
  const encoded =
    encode24(d[0]!, d[6]!, d[12]!, 4) +
    encode24(d[1]!, d[7]!, d[13]!, 4) +
    encode24(d[2]!, d[8]!, d[14]!, 4) +
    encode24(d[3]!, d[9]!, d[15]!, 4) +
    encode24(d[4]!, d[10]!, d[5]!, 4) +
    encode24(0, 0, d[11]!, 2);
  return `${MD5_CRYPT_PREFIX}${salt}$${encoded}`;
}
