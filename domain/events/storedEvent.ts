/**
 * What a projection needs of a stored event. The event store's RecordedEvent has this
 * shape (and more), so folds in domain never depend on the store.
 */
export interface StoredEvent {
  readonly stream: string;
  readonly type: string;
  readonly data: unknown;
  /** Global position: folds keep the last one as their checkpoint. */
  readonly position: number;
  /** When the store accepted it, ms since the epoch. */
  readonly recordedAt: number;
}
