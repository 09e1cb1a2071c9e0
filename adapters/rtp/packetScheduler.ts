/**
 * One timer for the whole media plane: every tick, each registered source sends
 * whatever has come due. No timer per packet or per session, so thousands of
 * sessions cost one wake-up per tick.
 */
export interface PacedSource {
  /** Sends everything due at or before `nowMs`; returns false once finished for good. */
  pump(nowMs: number): boolean;
}

export class PacketScheduler {
  private readonly sources = new Set<PacedSource>();
  private timer: NodeJS.Timeout | null = null;
  /** Where the last tick stopped when it ran out of time: the next one starts there. */
  private resumeAfter: PacedSource | null = null;

  /**
   * budgetMs bounds one tick: past it the tick yields, so RTSP requests are still
   * answered when the media plane is saturated (sources not reached go first next time).
   */
  constructor(
    private readonly tickMs = 5,
    private readonly budgetMs = 8,
  ) {}

  add(source: PacedSource): void {
    this.sources.add(source);
    // Send what is due now instead of waiting for the next tick: PLAY replies first, then media.
    if (!this.timer) this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  remove(source: PacedSource): void {
    this.sources.delete(source);
    if (this.sources.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.sources.size;
  }

  private tick(): void {
    const now = performance.now();
    const order = [...this.sources];
    const start = this.resumeAfter === null ? 0 : Math.max(0, order.indexOf(this.resumeAfter) + 1);
    this.resumeAfter = null;
    for (let n = 0; n < order.length; n++) {
      const source = order[(start + n) % order.length]!;
      let alive: boolean;
      try {
        alive = source.pump(now);
      } catch {
        // A broken source must not stop the others; it is dropped (its owner sees it idle).
        alive = false;
      }
      if (!alive) this.remove(source);
      if ((n & 31) === 31 && performance.now() - now > this.budgetMs) {
        this.resumeAfter = source;
        break;
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sources.clear();
  }
}
