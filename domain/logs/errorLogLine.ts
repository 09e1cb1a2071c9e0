/** Error.log lines as QTSS wrote them: `yyyy-mm-dd hh:mm:ss: LEVEL: message` (local time). */
export type ErrorLevel = 'FATAL' | 'WARNING' | 'INFO' | 'ASSERT' | 'DEBUG';

const two = (n: number): string => String(n).padStart(2, '0');

export function formatErrorLogLine(at: Date, level: ErrorLevel, message: string): string {
  const stamp = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  // One event, one line: embedded line breaks would forge log lines.
  return `${stamp}: ${level}: ${message.replace(/[\r\n]+/g, ' ')}`;
}
