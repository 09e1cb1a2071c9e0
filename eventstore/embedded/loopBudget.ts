/**
 * Keeps the store's long-running work (subscription pages, big reads) from hogging the event loop
 * that also carries the media. Such work asks for a turn before each step; steps run back to back
 * until `budgetMs` of the current slice are used, then everyone waits for the next setImmediate, so
 * I/O callbacks and timers get to run between slices. One budget is shared by all of a store's work,
 * so ten busy subscriptions cost no more loop time per slice than one.
 */
export class LoopBudget {
  private sliceStart = Number.NEGATIVE_INFINITY;
  private yielding: Promise<void> | undefined;

  constructor(private readonly budgetMs = 4) {}

  async turn(): Promise<void> {
    while (this.yielding !== undefined || performance.now() - this.sliceStart > this.budgetMs) {
      this.yielding ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          this.yielding = undefined;
          this.sliceStart = performance.now();
          resolve();
        }),
      );
      await this.yielding;
    }
  }
}
