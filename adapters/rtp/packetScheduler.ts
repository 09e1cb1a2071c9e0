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

  constructor(private readonly tickMs = 5) {}

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
    for (const source of this.sources) {
      let alive: boolean;
      try {
        alive = source.pump(now);
      } catch {
        // A broken source must not stop the others; it is dropped (its owner sees it idle).
        alive = false;
      }
      if (!alive) this.remove(source);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sources.clear();
  }
}
