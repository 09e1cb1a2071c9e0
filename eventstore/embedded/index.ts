export {
  EmbeddedEventStore,
  openEmbeddedEventStore,
  type EmbeddedEventStoreOptions,
  type EmbeddedStoreStats,
} from './embeddedEventStore.js';
export { CorruptStoreError, DuplicateEventIdError, StoreClosedError, StoreFailedError, StoreInUseError } from './errors.js';
export type { RepairReport, TornTailReport } from './logRecovery.js';
