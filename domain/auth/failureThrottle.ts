/**
 * Slows down, then refuses for a while, an address that keeps failing to
 * authenticate: password guessing over RTSP costs the guesser time, and a flood is
 * cut off. Pure logic: the caller passes the time and applies the delay; memory is
 * bounded (the least recently failing addresses are forgotten first).
 *
 * Per address, failures are counted while they keep coming (a quiet period of
 * `windowMs` resets the count). From the `delayAfter`-th failure on, each answer
 * is delayed by `baseDelayMs`, doubling per further failure up to `maxDelayMs`; at
 * `blockAfter` failures the address is refused for `blockMs`; after that, until a quiet
 * period, each further failure blocks it again. A success clears it.
 */
export interface FailureThrottleOptions {
  readonly delayAfter: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly blockAfter: number;
  readonly blockMs: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
}

export const DEFAULT_FAILURE_THROTTLE: FailureThrottleOptions = Object.freeze({
  delayAfter: 3,
  baseDelayMs: 250,
  maxDelayMs: 4000,
  blockAfter: 10,
  blockMs: 5 * 60_000,
  windowMs: 10 * 60_000,
  maxAddresses: 10_000,
});

export type ThrottleVerdict =
  | { readonly verdict: 'allow'; readonly delayMs: 0 }
  | { readonly verdict: 'delay'; readonly delayMs: number }
  | { readonly verdict: 'block'; readonly retryAfterMs: number };

interface Record {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

export class FailureThrottle {
  private readonly options: FailureThrottleOptions;
  private readonly records = new Map<string, Record>();

  constructor(options: Partial<FailureThrottleOptions> = {}) {
    this.options = { ...DEFAULT_FAILURE_THROTTLE, ...options };
    const o = this.options;
    if (!(o.delayAfter >= 1 && o.blockAfter >= o.delayAfter && o.maxAddresses >= 1 && o.baseDelayMs >= 0 && o.maxDelayMs >= o.baseDelayMs)) {
      throw new RangeError('failure throttle options are inconsistent');
    }
  }

  /** What to do with an authentication attempt from `address` now. */
  check(address: string, nowMs: number): ThrottleVerdict {
    const record = this.current(address, nowMs);
    if (!record) return { verdict: 'allow', delayMs: 0 };
    if (record.blockedUntilMs > nowMs) return { verdict: 'block', retryAfterMs: record.blockedUntilMs - nowMs };
    return this.delayFor(record.failures);
  }

  /** Records a failed attempt; returns the verdict for the answer to it. */
  recordFailure(address: string, nowMs: number): ThrottleVerdict {
    const record = this.current(address, nowMs) ?? { failures: 0, lastFailureMs: nowMs, blockedUntilMs: 0 };
    if (record.blockedUntilMs > nowMs) return { verdict: 'block', retryAfterMs: record.blockedUntilMs - nowMs };
    record.failures++;
    record.lastFailureMs = nowMs;
    if (record.failures >= this.options.blockAfter) record.blockedUntilMs = nowMs + this.options.blockMs;
    this.records.delete(address);
    this.records.set(address, record);
    while (this.records.size > this.options.maxAddresses) this.records.delete(this.records.keys().next().value as string);
    if (record.blockedUntilMs > nowMs) return { verdict: 'block', retryAfterMs: record.blockedUntilMs - nowMs };
    return this.delayFor(record.failures);
  }

  recordSuccess(address: string): void {
    this.records.delete(address);
  }

  get trackedAddresses(): number {
    return this.records.size;
  }

  private current(address: string, nowMs: number): Record | null {
    const record = this.records.get(address);
    if (!record) return null;
    if (record.blockedUntilMs > nowMs) return record;
    if (nowMs - record.lastFailureMs > this.options.windowMs) {
      // A long quiet spell starts the count afresh.
      this.records.delete(address);
      return null;
    }
    // A served block keeps its count until the quiet spell: the next failure blocks again.
    record.blockedUntilMs = 0;
    return record;
  }

  private delayFor(failures: number): ThrottleVerdict {
    const { delayAfter, baseDelayMs, maxDelayMs } = this.options;
    if (failures < delayAfter) return { verdict: 'allow', delayMs: 0 };
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(30, failures - delayAfter));
    return { verdict: 'delay', delayMs: delay };
  }
}
