/**
 * The Range header in normal play time (RFC 2326 §3.6, §12.29). Other units
 * (smpte, clock) are reported as unsupported so the caller can answer 501/457.
 */
export type RangeHeader =
  | { readonly unit: 'npt'; readonly start: number | 'now'; readonly end?: number }
  | { readonly unit: 'unsupported'; readonly text: string };

/** npt-time: seconds (`12.5`) or hh:mm:ss(.frac) (`0:01:02.5`), or `now`. */
function parseNptTime(text: string): number | 'now' | null {
  const t = text.trim();
  if (t === 'now') return 'now';
  if (/^\d+(\.\d*)?$/.test(t)) return Number(t);
  const hms = /^(\d+):([0-5]?\d):([0-5]?\d(?:\.\d*)?)$/.exec(t);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  return null;
}

/** Null when the header is malformed (answer 400); `unsupported` for another unit. */
export function parseRange(value: string): RangeHeader | null {
  const text = value.split(';')[0]!.trim();
  const eq = text.indexOf('=');
  if (eq < 0) return null;
  const unit = text.slice(0, eq).trim().toLowerCase();
  if (unit !== 'npt') return { unit: 'unsupported', text };
  const spec = text.slice(eq + 1);
  const dash = spec.indexOf('-');
  if (dash < 0) return null;
  const startText = spec.slice(0, dash).trim();
  const endText = spec.slice(dash + 1).trim();
  const start = startText === '' ? 0 : parseNptTime(startText);
  if (start === null) return null;
  if (endText === '') return { unit: 'npt', start };
  const end = parseNptTime(endText);
  if (end === null || end === 'now') return null;
  if (start !== 'now' && end < start) return null;
  return { unit: 'npt', start, end };
}

const seconds = (s: number): string => s.toFixed(3);

export function formatRange(range: { start: number | 'now'; end?: number }): string {
  const start = range.start === 'now' ? 'now' : seconds(range.start);
  return `npt=${start}-${range.end === undefined ? '' : seconds(range.end)}`;
}
