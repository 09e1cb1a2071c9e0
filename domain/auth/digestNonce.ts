import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stateless Digest nonces: hex of issued-at time (8 bytes, ms), 8 random bytes and a
 * 16-byte HMAC-SHA256 over both (and over an optional binding such as the client
 * address) under a server secret. Any server holding the secret can check one
 * without remembering it; an expired one is *stale* (the client retries with a new
 * nonce without asking its user again). Hex keeps old clients, which copy the nonce
 * back verbatim, out of trouble with unusual characters.
 *
 * Replay protection for `qop=auth` is the NonceCounter: per nonce, the nonce-count
 * must grow. Its memory is bounded; when it must forget a nonce it remembers the
 * issued-at time of the newest nonce forgotten and refuses (as stale) every unseen
 * nonce issued at or before it, so forgetting never re-opens a replay.
 */
const TIME_BYTES = 8;
const RANDOM_BYTES = 8;
const MAC_BYTES = 16;
export const NONCE_RANDOM_BYTES = RANDOM_BYTES;
export const NONCE_HEX_LENGTH = (TIME_BYTES + RANDOM_BYTES + MAC_BYTES) * 2;

function mac(secret: Uint8Array, body: Uint8Array, bindTo: string): Buffer {
  return createHmac('sha256', secret).update(body).update('\0').update(bindTo, 'utf8').digest().subarray(0, MAC_BYTES);
}

export interface NonceIssue {
  readonly secret: Uint8Array;
  readonly nowMs: number;
  /** At least NONCE_RANDOM_BYTES bytes from a CSPRNG (the caller draws them). */
  readonly random: Uint8Array;
  /** Ties the nonce to something, e.g. the client address; checked with the same value. */
  readonly bindTo?: string;
}

export function createNonce(issue: NonceIssue): string {
  if (issue.random.length < RANDOM_BYTES) throw new RangeError(`a nonce needs ${RANDOM_BYTES} random bytes`);
  if (issue.secret.length === 0) throw new RangeError('the nonce secret is empty');
  const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
  body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(issue.nowMs))), 0);
  Buffer.from(issue.random.subarray(0, RANDOM_BYTES)).copy(body, TIME_BYTES);
  return Buffer.concat([body, mac(issue.secret, body, issue.bindTo ?? '')]).toString('hex');
}

export type NonceCheck =
  | { readonly status: 'fresh'; readonly issuedAtMs: number }
  | { readonly status: 'stale'; readonly issuedAtMs: number }
  | { readonly status: 'invalid' };

export interface NonceCheckOptions {
  readonly secret: Uint8Array;
  readonly nowMs: number;
  readonly maxAgeMs: number;
  readonly bindTo?: string;
}

/** Whether we issued `nonce` (under this secret and binding) and whether it is still fresh. */
export function checkNonce(nonce: string, options: NonceCheckOptions): NonceCheck {
  if (nonce.length !== NONCE_HEX_LENGTH || !/^[0-9a-f]+$/.test(nonce)) return { status: 'invalid' };
  const bytes = Buffer.from(nonce, 'hex');
  const body = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES);
  const expected = mac(options.secret, body, options.bindTo ?? '');
  if (!timingSafeEqual(expected, bytes.subarray(TIME_BYTES + RANDOM_BYTES))) return { status: 'invalid' };
  const issuedAtMs = Number(body.readBigUInt64BE(0));
  const age = options.nowMs - issuedAtMs;
  // A nonce from the future means the clock went back: treat it as stale, not forged.
  if (age > options.maxAgeMs || age < -options.maxAgeMs) return { status: 'stale', issuedAtMs };
  return { status: 'fresh', issuedAtMs };
}

export type NonceCountVerdict = 'ok' | 'replay' | 'forgotten';

/** Remembers the highest nonce-count seen per nonce, for at most `maxEntries` nonces. */
export class NonceCounter {
  private readonly lastCount = new Map<string, { count: number; issuedAtMs: number }>();
  private forgottenUpTo = -Infinity;

  constructor(private readonly maxEntries = 10_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive whole number');
  }

  /** Accepts `count` for `nonce` only if greater than the last accepted one; records it. */
  check(nonce: string, count: number, issuedAtMs: number): NonceCountVerdict {
    if (!Number.isSafeInteger(count) || count < 1) return 'replay';
    const seen = this.lastCount.get(nonce);
    if (seen) {
      if (count <= seen.count) return 'replay';
      this.lastCount.delete(nonce);
      this.lastCount.set(nonce, { count, issuedAtMs });
      return 'ok';
    }
    if (issuedAtMs <= this.forgottenUpTo) return 'forgotten';
    this.lastCount.set(nonce, { count, issuedAtMs });
    while (this.lastCount.size > this.maxEntries) {
      const oldest = this.lastCount.keys().next().value as string;
      this.forget(oldest);
    }
    return 'ok';
  }

  /** Drops nonces issued before `issuedBeforeMs` (they are stale anyway). */
  prune(issuedBeforeMs: number): void {
    for (const [nonce, entry] of this.lastCount) if (entry.issuedAtMs < issuedBeforeMs) this.forget(nonce);
  }

  get size(): number {
    return this.lastCount.size;
  }

  private forget(nonce: string): void {
    const entry = this.lastCount.get(nonce);
    if (!entry) return;
    this.lastCount.delete(nonce);
    this.forgottenUpTo = Math.max(this.forgottenUpTo, entry.issuedAtMs);
  }
}

/** Parses an 8-hex-digit nonce-count; NaN when malformed. */
export function parseNonceCount(nc: string): number {
  return /^[0-9a-fA-F]{8}$/.test(nc) ? parseInt(nc, 16) : NaN;
}
