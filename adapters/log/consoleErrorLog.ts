import { formatErrorLogLine, type ErrorLevel } from '../../domain/logs/errorLogLine.js';

/**
 * The error log as the server writes it to standard error. Error.log on disk is a
 * projection of events: once a recorder is attached (the server journal, which
 * appends ErrorLogged), every message logged here is also recorded. Messages logged
 * before that (while the server is starting) are kept and recorded on attach.
 */
export type ErrorRecorder = (level: ErrorLevel, message: string) => void;

const EARLY_MESSAGES = 200;

export class ConsoleErrorLog {
  private recorder: ErrorRecorder | null = null;
  private early: Array<[ErrorLevel, string]> | null = [];

  constructor(
    private readonly minimum: ErrorLevel = 'INFO',
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  log(level: ErrorLevel, message: string): void {
    if (rank(level) > rank(this.minimum)) return;
    this.write(formatErrorLogLine(new Date(), level, message));
    if (this.recorder) this.recorder(level, message);
    else if (this.early && this.early.length < EARLY_MESSAGES) this.early.push([level, message]);
  }

  /** Written to the console only: for trouble with recording itself, which must not loop. */
  console(level: ErrorLevel, message: string): void {
    if (rank(level) > rank(this.minimum)) return;
    this.write(formatErrorLogLine(new Date(), level, message));
  }

  /** Starts recording every message (and those kept from before); null stops it. */
  recordTo(recorder: ErrorRecorder | null): void {
    this.recorder = recorder;
    if (!recorder) return;
    const early = this.early ?? [];
    this.early = null;
    for (const [level, message] of early) recorder(level, message);
  }
}

function rank(level: ErrorLevel): number {
  return { FATAL: 0, ASSERT: 1, WARNING: 2, INFO: 3, DEBUG: 4 }[level];
}
