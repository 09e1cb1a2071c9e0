/**
 * Time formats of the QTSS logs. Every time in a log line comes from an event's
 * record time, never from the clock when the line is written, so a rebuild from the
 * events writes the same bytes. Error.log and the "created on" header use local time
 * as QTSS did; the access log's fields and remarks use GMT, as its header says.
 */
const two = (n: number): string => String(n).padStart(2, '0');

/** `yyyy-mm-dd hh:mm:ss` in local time. */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `mm/dd/yyyy hh:mm:ss` in local time (QTSS's `#Log File Created On:`). */
export function localCreatedOn(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getMonth() + 1)}/${two(d.getDate())}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `yyyy-mm-dd` in GMT. */
export function gmtDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** `hh:mm:ss` in GMT. */
export function gmtTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** `yymmdd` in local time, for rolled log names. */
export function localYymmdd(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getFullYear() % 100)}${two(d.getMonth() + 1)}${two(d.getDate())}`;
}

/** Local midnight at the start of the day of `ms`. */
export function localMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}
