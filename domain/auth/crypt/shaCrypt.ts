import { createHash } from 'node:crypto';
import { encode24 } from './cryptAlphabet.js';

/**
 * SHA-256-crypt (`$5$`) and SHA-512-crypt (`$6$`), implemented from Ulrich Drepper's
 * published specification ("Unix crypt using SHA-256 and SHA-512"):
 *  - setting `$5$[rounds=N$]salt`: salt up to 16 characters, rounds 5000 by default,
 *    clamped to 1000…999999999; an explicit `rounds=` is echoed in the result;
 *  - B = H(pw‖salt‖pw); A = H(pw‖salt‖B repeated over len(pw) bytes‖for each bit
 *    of len(pw), low first: B for 1, pw for 0);
 *  - P = H(pw repeated len(pw) times) stretched to len(pw) bytes;
 *    S = H(salt repeated 16 + A[0] times) stretched to len(salt) bytes;
 *  - rounds: C = H((i odd ? P : C) ‖ (i%3 ? S) ‖ (i%7 ? P) ‖ (i odd ? C : P));
 *  - output: C's bytes in the format's interleaved order, 6 bits per character.
 */
export type ShaCryptVariant = 'sha256' | 'sha512';

export const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
export const SHA_CRYPT_MIN_ROUNDS = 1000;
export const SHA_CRYPT_MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;

const PREFIX: Record<ShaCryptVariant, string> = { sha256: '$5$', sha512: '$6$' };

export interface ShaCryptSetting {
  readonly variant: ShaCryptVariant;
  readonly salt: string;
  /** The rounds to run (already clamped). */
  readonly rounds: number;
  /** Whether `rounds=` appeared, and so appears in the output. */
  readonly explicitRounds: boolean;
}

/** Parses `$5$…`/`$6$…` (a full hash or just its setting); null when malformed. */
export function parseShaCryptSetting(setting: string): ShaCryptSetting | null {
  const variant: ShaCryptVariant | null = setting.startsWith('$5$') ? 'sha256' : setting.startsWith('$6$') ? 'sha512' : null;
  if (!variant) return null;
  let rest = setting.slice(3);
  let rounds = SHA_CRYPT_DEFAULT_ROUNDS;
  let explicitRounds = false;
  const roundsMatch = /^rounds=(\d{1,30})\$/.exec(rest);
  if (roundsMatch) {
    const asked = Number(roundsMatch[1]);
    rounds = Math.min(SHA_CRYPT_MAX_ROUNDS, Math.max(SHA_CRYPT_MIN_ROUNDS, asked));
    explicitRounds = true;
    rest = rest.slice(roundsMatch[0].length);
  } else if (rest.startsWith('rounds=')) {
    return null;
  }
  const end = rest.indexOf('$');
  const salt = (end < 0 ? rest : rest.slice(0, end)).slice(0, MAX_SALT);
  return { variant, salt, rounds, explicitRounds };
}

function digest(variant: ShaCryptVariant, ...parts: Uint8Array[]): Buffer {
  const hash = createHash(variant);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `length` bytes of `block` repeated. */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0; offset < length; offset += block.length) block.copy(out, offset, 0, Math.min(block.length, length - offset));
  return out;
}

/** Byte triples in output order: group i takes bytes i, i+n, i+2n, rotated by i (the spec's fixed table). */
function outputOrder(variant: ShaCryptVariant): Array<[number, number, number]> {
  const groups: Array<[number, number, number]> = [];
  if (variant === 'sha256') {
    for (let i = 0; i < 10; i++) {
      const a = i;
      const b = i + 10;
      const c = i + 20;
      groups.push(i % 3 === 0 ? [a, b, c] : i % 3 === 1 ? [c, a, b] : [b, c, a]);
    }
  } else {
    for (let i = 0; i < 21; i++) {
      const a = i;
      const b = i + 21;
      const c = i + 42;
      groups.push(i % 3 === 0 ? [a, b, c] : i % 3 === 1 ? [b, c, a] : [c, a, b]);
    }
  }
  return groups;
}

const ORDER: Record<ShaCryptVariant, Array<[number, number, number]>> = {
  sha256: outputOrder('sha256'),
  sha512: outputOrder('sha512'),
};

export function shaCrypt(password: Uint8Array | string, setting: string): string {
  const parsed = parseShaCryptSetting(setting);
  if (!parsed) throw new RangeError('not a $5$ or $6$ setting');
  const { variant, salt, rounds, explicitRounds } = parsed;
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  const saltBytes = Buffer.from(salt, 'utf8');
  const size = variant === 'sha256' ? 32 : 64;

  const b = digest(variant, pw, saltBytes, pw);
  const a = createHash(variant);
  a.update(pw);
  a.update(saltBytes);
  let count = pw.length;
  for (; count > size; count -= size) a.update(b);
  a.update(b.subarray(0, count));
  for (let bits = pw.length; bits > 0; bits >>>= 1) a.update(bits & 1 ? b : pw);
  const aDigest = a.digest();

  const dp = createHash(variant);
  for (let i = 0; i < pw.length; i++) dp.update(pw);
  const p = stretch(dp.digest(), pw.length);

  const ds = createHash(variant);
  for (let i = 0; i < 16 + aDigest[0]!; i++) ds.update(saltBytes);
  const s = stretch(ds.digest(), saltBytes.length);

  let c = aDigest;
  for (let i = 0; i < rounds; i++) {
    const round = createHash(variant);
    round.update(i & 1 ? p : c);
    if (i % 3) round.update(s);
    if (i % 7) round.update(p);
    round.update(i & 1 ? c : p);
    c = round.digest();
  }

  let encoded = '';
  for (const [x, y, z] of ORDER[variant]) encoded += encode24(c[x]!, c[y]!, c[z]!, 4);
  encoded += variant === 'sha256' ? encode24(0, c[31]!, c[30]!, 3) : encode24(0, 0, c[63]!, 2);

  const roundsPart = explicitRounds ? `rounds=${rounds}$` : '';
  return `${PREFIX[variant]}${roundsPart}${salt}$${encoded}`;
}
