import { timingSafeEqual } from 'node:crypto';
import { saltFromBytes } from './cryptAlphabet.js';
import { desCrypt, isDesCryptHash } from './desCrypt.js';
import { md5Crypt, MD5_CRYPT_PREFIX } from './md5Crypt.js';
import { parseShaCryptSetting, shaCrypt, SHA_CRYPT_DEFAULT_ROUNDS, SHA_CRYPT_MAX_ROUNDS, SHA_CRYPT_MIN_ROUNDS } from './shaCrypt.js';

/**
 * Checks a password against any crypt(3) hash a qtusers file may hold (DES as DSS
 * wrote it, `$1$`, `$5$`, `$6$`) and makes new hashes in a modern format. Unknown
 * formats (bcrypt `$2…$`, yescrypt `$y$`, locked `*`/`!` entries) never verify.
 */
export type CryptFormat = 'des' | 'md5' | 'sha256' | 'sha512';

export function cryptFormatOf(hash: string): CryptFormat | null {
  if (hash.startsWith(MD5_CRYPT_PREFIX)) return 'md5';
  const sha = parseShaCryptSetting(hash);
  if (sha) return sha.variant;
  if (isDesCryptHash(hash)) return 'des';
  return null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True when `password` hashes to `hash`; false for a wrong password or a format we cannot check. */
export function verifyCryptPassword(password: string, hash: string): boolean {
  let computed: string;
  switch (cryptFormatOf(hash)) {
    case 'des':
      computed = desCrypt(password, hash.slice(0, 2));
      break;
    case 'md5':
      computed = md5Crypt(password, hash);
      break;
    case 'sha256':
    case 'sha512':
      computed = shaCrypt(password, hash);
      break;
    default:
      return false;
  }
  return sameText(computed, hash);
}

export interface NewHashOptions {
  /** `sha512` (`$6$`, the default) or `sha256` (`$5$`). */
  readonly format?: 'sha512' | 'sha256';
  /** Rounds; the default (5000) is left out of the hash, as crypt(3) does. */
  readonly rounds?: number;
}

/** Bytes of randomness `createCryptHash` needs for its salt (one per salt character). */
export const CRYPT_SALT_BYTES = 16;

/**
 * Makes a new hash. The salt comes from `randomBytes` (at least CRYPT_SALT_BYTES of
 * them), which the caller draws from a CSPRNG: the domain itself stays deterministic.
 */
export function createCryptHash(password: string, randomBytes: Uint8Array, options: NewHashOptions = {}): string {
  const prefix = options.format === 'sha256' ? '$5$' : '$6$';
  const salt = saltFromBytes(randomBytes, CRYPT_SALT_BYTES);
  let roundsPart = '';
  if (options.rounds !== undefined && options.rounds !== SHA_CRYPT_DEFAULT_ROUNDS) {
    if (!Number.isInteger(options.rounds) || options.rounds < SHA_CRYPT_MIN_ROUNDS || options.rounds > SHA_CRYPT_MAX_ROUNDS) {
      throw new RangeError(`rounds must be a whole number from ${SHA_CRYPT_MIN_ROUNDS} to ${SHA_CRYPT_MAX_ROUNDS}`);
    }
    roundsPart = `rounds=${options.rounds}$`;
  }
  return shaCrypt(password, `${prefix}${roundsPart}${salt}`);
}
