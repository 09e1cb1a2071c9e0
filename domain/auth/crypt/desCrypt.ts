import { bytesToBits, desEncryptBlock, desKeySchedule, E_TABLE } from './des.js';
import { CRYPT_ALPHABET, cryptCharValue, isCryptAlphabet } from './cryptAlphabet.js';

/**
 * Traditional Unix DES crypt(3), the format DSS's qtpasswd wrote: 13 characters, a
 * 2-character salt then 11 characters of hash. The algorithm: the key is the first
 * eight password bytes, each shifted left one bit (their low seven bits become the
 * key bits, the parity bits are zero); each of the twelve salt bits swaps a pair of
 * entries (k, k+24) of the E table; a block of zeros is encrypted 25 times; the 64
 * result bits, padded with two zero bits, are written six at a time, most significant
 * first. Only the first eight password bytes count, which is why we never write it.
 */
export const DES_CRYPT_LENGTH = 13;

export function isDesCryptHash(hash: string): boolean {
  return hash.length === DES_CRYPT_LENGTH && isCryptAlphabet(hash);
}

/** Computes the 13-character hash; `salt` is two crypt alphabet characters. */
export function desCrypt(password: Uint8Array | string, salt: string): string {
  const saltChars = salt.slice(0, 2);
  if (saltChars.length !== 2 || !isCryptAlphabet(saltChars)) throw new RangeError('DES crypt salt must be two characters of ./0-9A-Za-z');
  const passwordBytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;

  const keyBytes = new Uint8Array(8);
  for (let i = 0; i < 8 && i < passwordBytes.length; i++) keyBytes[i] = (passwordBytes[i]! << 1) & 0xff;

  const expansion = [...E_TABLE];
  for (let i = 0; i < 2; i++) {
    const value = cryptCharValue(saltChars[i]!);
    for (let j = 0; j < 6; j++) {
      if ((value >> j) & 1) {
        const k = 6 * i + j;
        [expansion[k], expansion[k + 24]] = [expansion[k + 24]!, expansion[k]!];
      }
    }
  }

  const schedule = desKeySchedule(bytesToBits(keyBytes), expansion);
  let block: Uint8Array = new Uint8Array(64);
  for (let round = 0; round < 25; round++) block = desEncryptBlock(block, schedule);

  const bits = new Uint8Array(66);
  bits.set(block, 0);
  let out = saltChars;
  for (let i = 0; i < 11; i++) {
    let value = 0;
    for (let j = 0; j < 6; j++) value = (value << 1) | bits[6 * i + j]!;
    out += CRYPT_ALPHABET[value];
  }
  return out;
}
