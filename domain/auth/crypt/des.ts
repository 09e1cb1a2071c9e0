/**
 * The DES block cipher (FIPS 46-3), kept as simple bit arrays: it exists here only for
 * traditional crypt(3) password hashes (25 encryptions per check), never for bulk
 * data, so clarity beats speed. Bits are numbered as in the standard: bit 1 is the
 * most significant bit of the first byte.
 *
 * The one non-standard hook is `expansion`: traditional crypt perturbs the E
 * bit-selection table with its salt, so the table is a parameter of the key schedule.
 */

/** Initial permutation IP (FIPS 46-3, 1-based source bit for each output bit). */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, 57, 49,
  41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
] as const;

/** Final permutation IP⁻¹, derived from IP so the two cannot disagree. */
const FP: readonly number[] = (() => {
  const inverse = new Array<number>(64);
  IP.forEach((source, index) => {
    inverse[source - 1] = index + 1;
  });
  return inverse;
})();

/** E bit-selection table: expands the 32-bit half block to 48 bits. */
export const E_TABLE: readonly number[] = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24,
  25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];

/** Permutation P applied to the S-box outputs. */
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25] as const;

/** Permuted choice 1: 56 key bits out of 64 (the parity bits are dropped). */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55, 47, 39, 31, 23,
  15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
] as const;

/** Permuted choice 2: 48 subkey bits out of the 56 of C‖D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33,
  48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
] as const;

/** Left rotations of C and D before each of the 16 rounds. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1] as const;

/** S-boxes S1…S8, each 4 rows of 16; row = outer bits, column = inner four bits. */
export const S_BOXES: readonly (readonly number[])[] = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11,
    15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13,
    1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0,
    11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, 10, 6, 9, 0, 12, 11, 7,
    13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7,
    8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12,
    3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7,
    14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14,
    2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
  ],
];

/** 64 bits, one per element (0 or 1), bit 1 of the standard at index 0. */
export type Bits = Uint8Array;

export function bytesToBits(bytes: Uint8Array): Bits {
  const bits = new Uint8Array(bytes.length * 8);
  for (let i = 0; i < bits.length; i++) bits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return bits;
}

export function bitsToBytes(bits: Bits): Uint8Array {
  const bytes = new Uint8Array(bits.length >> 3);
  for (let i = 0; i < bits.length; i++) bytes[i >> 3]! |= bits[i]! << (7 - (i & 7));
  return bytes;
}

function permute(input: Bits, table: readonly number[]): Bits {
  const out = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = input[table[i]! - 1]!;
  return out;
}

/** The 16 round subkeys of a 64-bit key, with the E table to use (salted or not). */
export interface DesKeySchedule {
  readonly subkeys: readonly Bits[];
  readonly expansion: readonly number[];
}

export function desKeySchedule(key: Bits, expansion: readonly number[] = E_TABLE): DesKeySchedule {
  if (key.length !== 64) throw new RangeError('DES key must be 64 bits');
  const cd = permute(key, PC1);
  let c = Array.from(cd.subarray(0, 28));
  let d = Array.from(cd.subarray(28, 56));
  const subkeys: Bits[] = [];
  for (const shift of SHIFTS) {
    c = c.slice(shift).concat(c.slice(0, shift));
    d = d.slice(shift).concat(d.slice(0, shift));
    subkeys.push(permute(Uint8Array.from(c.concat(d)), PC2));
  }
  return { subkeys, expansion };
}

/** The cipher function f(R, K). */
function feistel(right: Bits, subkey: Bits, expansion: readonly number[]): Bits {
  const expanded = permute(right, expansion);
  for (let i = 0; i < 48; i++) expanded[i]! ^= subkey[i]!;
  const substituted = new Uint8Array(32);
  for (let box = 0; box < 8; box++) {
    const b = box * 6;
    const row = (expanded[b]! << 1) | expanded[b + 5]!;
    const column = (expanded[b + 1]! << 3) | (expanded[b + 2]! << 2) | (expanded[b + 3]! << 1) | expanded[b + 4]!;
    const value = S_BOXES[box]![row * 16 + column]!;
    for (let k = 0; k < 4; k++) substituted[box * 4 + k] = (value >> (3 - k)) & 1;
  }
  return permute(substituted, P);
}

/** Encrypts one 64-bit block. */
export function desEncryptBlock(block: Bits, schedule: DesKeySchedule): Bits {
  if (block.length !== 64) throw new RangeError('DES block must be 64 bits');
  const permuted = permute(block, IP);
  let left = permuted.slice(0, 32);
  let right = permuted.slice(32, 64);
  for (const subkey of schedule.subkeys) {
    const f = feistel(right, subkey, schedule.expansion);
    const next = new Uint8Array(32);
    for (let i = 0; i < 32; i++) next[i] = left[i]! ^ f[i]!;
    left = right;
    right = next;
  }
  // The halves are swapped once more before the final permutation (R16 L16).
  const preoutput = new Uint8Array(64);
  preoutput.set(right, 0);
  preoutput.set(left, 32);
  return permute(preoutput, FP);
}
