import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import type { StoredEvent } from '../../domain/events/storedEvent.js';
import { isLogOf } from '../../domain/logs/logRolling.js';
import { emptyLogFiles, foldLogFiles, LOG_NAMES, type LogFileOp, type LogFilesState, type LogName } from '../../domain/logs/logFiles.js';
import type { CurrentEventSource } from '../../eventstore/upcastingReader.js';

/**
 * Writes Error.log and StreamingServer.log by running the log fold (domain/logs)
 * over the store's events and doing the file operations it gives. The fold's state
 * is checkpointed beside the logs, so a restart goes on where it stopped; with no
 * checkpoint the logs are regenerated from every event, exactly as `streamhouse logs
 * rebuild` does.
 *
 * The checkpoint (JSON of the fold's state, O(sessions) to write) is saved at most
 * once per CHECKPOINT_INTERVAL_MS while events flow, at once after a roll, and when
 * the writer stops, not after every batch. A crash loses nothing by it: lines written
 * after the checkpoint are cut on restart and written again from the events.
 */
export const CHECKPOINT_FILE = '.streamhouse-logs.json';
export const CHECKPOINT_INTERVAL_MS = 1_000;

interface Checkpoint {
  readonly format: 1;
  readonly state: LogFilesState;
}

export interface LogWriterLogger {
  console(level: 'WARNING' | 'INFO', message: string): void;
}

export class LogFileWriter {
  /** The fold's state; it belongs to the fold (changed in place), and is ahead of the files while a batch is written. */
  private state: LogFilesState = emptyLogFiles;
  /** Position of the last event whose lines are in the files. */
  private written = -1;
  private subscription: Subscription | null = null;
  private readonly queue: StoredEvent[] = [];
  private working: Promise<void> | null = null;
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private failed = false;
  /** The files hold more than the saved checkpoint says. */
  private unsaved = false;
  private savedAt = -Infinity;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly files: OpenLogs;

  constructor(
    readonly folder: string,
    private readonly logger: LogWriterLogger,
    private readonly checkpointIntervalMs = CHECKPOINT_INTERVAL_MS,
  ) {
    this.files = new OpenLogs(folder);
  }

  get position(): number {
    return this.written;
  }

  /** Follows the events from its checkpoint on, as the source gives them (upcast to the current schema). */
  async start(store: CurrentEventSource): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const saved = await this.loadCheckpoint();
    if (saved) {
      this.state = saved;
      await this.reconcileFiles();
    } else {
      // No checkpoint: start the logs afresh from every event (what a rebuild writes).
      await removeLogs(this.folder);
      this.state = emptyLogFiles;
    }
    const after = this.state.position;
    this.written = after;
    this.subscription = store.subscribeToAll(after >= 0 ? { afterPosition: after } : {}).subscribe({
      next: (item) => {
        if (item.kind !== 'event') return;
        this.queue.push(item.event);
        this.kick();
      },
      error: (error: unknown) => this.logger.console('WARNING', `log writer: subscription failed: ${error instanceof Error ? error.message : String(error)}`),
    });
  }

  /** Resolves once every event up to `position` is in the files. */
  drainTo(position: number): Promise<void> {
    if (this.written >= position || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Stops following, once what came is in the files, and saves the checkpoint. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = null;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    while (this.working) await this.working;
    if (this.unsaved && !this.failed) await this.saveCheckpoint().catch((error: unknown) => this.fail(error));
    await this.files.closeAll().catch(() => {});
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
  }

  private kick(): void {
    // Begin on the next turn of the event loop, so the events delivered in this one are one batch (one write per log).
    this.runAlone(() => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.work()));
  }

  /** Runs `task` unless a batch or a save is under way; events that came meanwhile are taken up after it. */
  private runAlone(task: () => Promise<void>): void {
    this.working ??= task().finally(() => {
      this.working = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async work(): Promise<void> {
    while (this.queue.length > 0 && !this.failed) {
      const batch = this.queue.splice(0, this.queue.length);
      try {
        const ops: LogFileOp[] = [];
        for (const event of batch) {
          const result = foldLogFiles(this.state, event);
          for (const op of result.ops) ops.push(op);
          this.state = result.state;
        }
        await this.files.apply(coalesce(ops));
        this.written = this.state.position;
        this.unsaved = true;
        // A roll renames a file the checkpoint still describes: save at once.
        const rolled = ops.some((op) => op.kind === 'roll');
        if (rolled || performance.now() - this.savedAt >= this.checkpointIntervalMs) await this.saveCheckpoint();
      } catch (error) {
        this.fail(error);
      }
      this.settleWaiters();
    }
    this.settleWaiters();
    // Events stopped coming before the interval was up: save what is written once it is.
    if (this.unsaved && !this.failed && this.subscription && !this.checkpointTimer) {
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = null;
        this.runAlone(() => this.saveIfUnsaved());
      }, Math.max(0, this.savedAt + this.checkpointIntervalMs - performance.now()));
      this.checkpointTimer.unref();
    }
  }

  /** Between batches only: then the state is what the files hold. */
  private async saveIfUnsaved(): Promise<void> {
    if (!this.unsaved || this.failed) return;
    try {
      await this.saveCheckpoint();
    } catch (error) {
      this.fail(error);
    }
  }

  private async saveCheckpoint(): Promise<void> {
    this.savedAt = performance.now();
    this.unsaved = false;
    await this.files.closeAll();
    await saveCheckpoint(this.folder, this.state);
  }

  private fail(error: unknown): void {
    // A full disk or a removed folder: stop writing rather than write a log with holes.
    this.failed = true;
    this.logger.console('WARNING', `log writer stopped: ${error instanceof Error ? error.message : String(error)}`);
    void this.files.closeAll().catch(() => {});
  }

  private settleWaiters(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.written >= w.position || this.failed) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  private async loadCheckpoint(): Promise<LogFilesState | null> {
    try {
      const json = JSON.parse(await readFile(path.join(this.folder, CHECKPOINT_FILE), 'utf8')) as Checkpoint;
      return json.format === 1 && typeof json.state?.position === 'number' ? json.state : null;
    } catch {
      return null;
    }
  }

  /** After a crash a file may hold lines past the checkpoint: cut them (they are written again). */
  private async reconcileFiles(): Promise<void> {
    for (const log of LOG_NAMES) {
      const file = path.join(this.folder, `${log}.log`);
      const expected = this.state.files[log];
      const actual = await stat(file).then((s) => s.size, () => -1);
      if (expected.createdAt === null) continue;
      if (actual > expected.size) await truncate(file, expected.size);
      else if (actual < expected.size) {
        // Removed or cut by hand: start a new file with its header.
        this.logger.console('WARNING', `log writer: ${file} is not as it was left; starting it afresh`);
        this.state = { ...this.state, files: { ...this.state.files, [log]: { ...expected, createdAt: null, size: 0 } } };
      }
    }
  }
}

/**
 * The log files kept open between batches (an append is then one write, not an
 * open, a write and a close). Closed before a roll renames one, whenever the writer
 * checkpoints (so a file removed by hand is made again within a second, as when
 * every append opened it) and when it stops.
 */
class OpenLogs {
  private readonly handles = new Map<LogName, FileHandle>();

  constructor(private readonly folder: string) {}

  async apply(ops: readonly LogFileOp[]): Promise<void> {
    for (const op of ops) {
      const file = path.join(this.folder, `${op.log}.log`);
      if (op.kind === 'append') {
        let handle = this.handles.get(op.log);
        if (!handle) {
          handle = await open(file, 'a');
          this.handles.set(op.log, handle);
        }
        await handle.appendFile(op.text, 'utf8');
      } else {
        await this.close(op.log);
        await rename(file, path.join(this.folder, op.rolledName)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
    }
  }

  async closeAll(): Promise<void> {
    for (const log of [...this.handles.keys()]) await this.close(log);
  }

  private async close(log: LogName): Promise<void> {
    const handle = this.handles.get(log);
    this.handles.delete(log);
    await handle?.close();
  }
}

/** One write per file for a run of appends (a busy batch is many lines). */
function coalesce(ops: readonly LogFileOp[]): LogFileOp[] {
  const out: LogFileOp[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (op.kind === 'append' && last?.kind === 'append' && last.log === op.log) out[out.length - 1] = { ...last, text: last.text + op.text };
    else out.push(op);
  }
  return out;
}

async function saveCheckpoint(folder: string, state: LogFilesState): Promise<void> {
  const file = path.join(folder, CHECKPOINT_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ format: 1, state } satisfies Checkpoint));
  await rename(temporary, file);
}

async function removeLogs(folder: string): Promise<void> {
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    if (LOG_NAMES.some((log) => isLogOf(log, name)) || name === CHECKPOINT_FILE) await rm(path.join(folder, name), { force: true });
  }
}

/**
 * Regenerates both logs from the events into `folder`: written in a fresh folder
 * beside it, then swapped in for the old files. Returns the files written.
 */
export async function rebuildLogs(events: Iterable<StoredEvent>, folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const scratch = path.join(folder, `.rebuild-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch);
  try {
    let state = emptyLogFiles;
    const files = new OpenLogs(scratch);
    try {
      for (const event of events) {
        const result = foldLogFiles(state, event);
        await files.apply(result.ops);
        state = result.state;
      }
    } finally {
      await files.closeAll();
    }
    await removeLogs(folder);
    const written = (await readdir(scratch)).sort();
    for (const name of written) await rename(path.join(scratch, name), path.join(folder, name));
    await saveCheckpoint(folder, state);
    return written;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
