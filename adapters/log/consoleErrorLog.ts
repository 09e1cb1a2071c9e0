import { formatErrorLogLine, type ErrorLevel } from '../../domain/logs/errorLogLine.js';

/**
 * The error log as the server writes it to standard error. Error.log on disk is a
 * projection of events (the admin issue); this is the operator's console view.
 */
export class ConsoleErrorLog {
  constructor(
    private readonly minimum: ErrorLevel = 'INFO',
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  log(level: ErrorLevel, message: string): void {
    if (rank(level) > rank(this.minimum)) return;
    this.write(formatErrorLogLine(new Date(), level, message));
  }
}

function rank(level: ErrorLevel): number {
  return { FATAL: 0, ASSERT: 1, WARNING: 2, INFO: 3, DEBUG: 4 }[level];
}
