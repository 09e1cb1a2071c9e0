/** Errors specific to the embedded event store (the port's WrongExpectedVersionError lives in eventStore.ts). */

/** The log on disk is damaged where no crash could have damaged it; open with { repair: true } to truncate. */
export class CorruptStoreError extends Error {
  constructor(
    readonly directory: string,
    /** Full path of the segment file holding the first bad byte. */
    readonly file: string,
    /** Byte offset in that file of the first bad record (or of the missing/bad segment header). */
    readonly offset: number,
    readonly reason: string,
    /** Bytes a repair would drop: from `offset` to the end of the log. */
    readonly bytesAfter: number,
    /** Intact-looking records found after the damage that a repair would drop too. */
    readonly intactRecordsAfter: number,
  ) {
    const follow =
      intactRecordsAfter > 0
        ? `; ${intactRecordsAfter} intact record(s) follow the damage and would be dropped by a repair`
        : '';
    super(
      `event store at ${directory} is corrupt: ${file} at byte offset ${offset}: ${reason}${follow}. ` +
        `Open with { repair: true } to truncate the log to the last good record (drops ${bytesAfter} byte(s)).`,
    );
    this.name = 'CorruptStoreError';
  }
}

/** Another process (or this one) holds the store's lock file. */
export class StoreInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number | undefined,
  ) {
    super(`event store at ${directory} is in use by process ${pid === undefined ? '(unknown)' : pid}`);
    this.name = 'StoreInUseError';
  }
}

/** The store was closed (or is closing) when the call was made. */
export class StoreClosedError extends Error {
  constructor(readonly directory: string) {
    super(`event store at ${directory} is closed`);
    this.name = 'StoreClosedError';
  }
}

/**
 * A write or sync failed. The store cannot know what reached the disk, so it refuses further appends
 * (reads still work); close it and open it again, which re-validates the log.
 */
export class StoreFailedError extends Error {
  constructor(
    readonly directory: string,
    override readonly cause: unknown,
  ) {
    super(`event store at ${directory} failed a write and accepts no more appends: ${String((cause as Error)?.message ?? cause)}`);
    this.name = 'StoreFailedError';
  }
}

/**
 * An append carries event ids that already exist in the stream, but not as an exact retry
 * (same ids, same order, at consecutive revisions), or the same id twice.
 */
export class DuplicateEventIdError extends Error {
  constructor(
    readonly stream: string,
    readonly eventId: string,
    detail: string,
  ) {
    super(`event id ${eventId} in append to ${stream}: ${detail}`);
    this.name = 'DuplicateEventIdError';
  }
}
