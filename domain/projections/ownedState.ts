/**
 * Folds that own their state.
 *
 * A projection folds every event of a busy server (thousands of sessions, each
 * sampled every few seconds). A pure fold over immutable state copies its maps for
 * every event, so each event costs O(sessions) and a sampling round O(sessions²). The
 * projection folds therefore change their state in place, each event O(1):
 *
 * - The state passed to a fold belongs to the fold from then on; use the state it
 *   returns (usually the same object) for the next event, never an earlier one.
 * - Whoever needs a stable picture takes one when it publishes or saves: presenters
 *   build fresh DTOs (copies of lists included), the log writer writes its checkpoint
 *   as JSON.
 * - The exported empty states are shared and never changed. A fold given a state it
 *   did not make (an empty state, or one parsed from a checkpoint) starts from a copy
 *   of it, parts included, once; from then on it works in place.
 */
export class Ownership<S extends object> {
  private readonly mine = new WeakSet<object>();

  constructor(private readonly copy: (state: S) => S) {}

  /** `state` itself when this fold made it; otherwise a copy of it the fold may change. */
  take(state: S): S {
    return this.mine.has(state) ? state : this.copyOf(state);
  }

  /** A copy of `state` the fold may change (a state holding this one copies it whole, so no two share a part). */
  copyOf(state: S): S {
    const own = this.copy(state);
    this.mine.add(own);
    return own;
  }
}

/**
 * The last `max` items of a list that only grows at its end (and whose last item may
 * be replaced): appends are amortised O(1), where `[...list, item].slice(-max)` copies
 * the whole list every time. `items()` gives a fresh array to publish.
 */
export interface ReadonlyBoundedList<T> {
  readonly max: number;
  readonly length: number;
  last(): T | undefined;
  /** The kept items, oldest first, as a new array. */
  items(): T[];
}

export class BoundedList<T> implements ReadonlyBoundedList<T> {
  private list: T[] = [];

  constructor(
    readonly max: number,
    initial: readonly T[] = [],
  ) {
    this.list = initial.slice(Math.max(0, initial.length - max));
  }

  get length(): number {
    return Math.min(this.list.length, this.max);
  }

  last(): T | undefined {
    return this.list[this.list.length - 1];
  }

  push(item: T): void {
    this.list.push(item);
    // Let the array run to twice the bound, then drop the excess at once: each item is moved O(1) times.
    if (this.list.length >= 2 * this.max) this.list = this.list.slice(this.list.length - this.max);
  }

  replaceLast(item: T): void {
    if (this.list.length === 0) this.list.push(item);
    else this.list[this.list.length - 1] = item;
  }

  items(): T[] {
    return this.list.slice(Math.max(0, this.list.length - this.max));
  }

  toJSON(): T[] {
    return this.items();
  }
}
