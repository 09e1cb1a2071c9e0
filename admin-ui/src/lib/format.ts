/** Display formats for the pages. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function bitRate(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return '–';
  if (bps >= 1_000_000) return `${(bps / 1_000_000).toFixed(2)} Mbit/s`;
  if (bps >= 1000) return `${(bps / 1000).toFixed(1)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const hms = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return d > 0 ? `${d}d ${hms}` : hms;
}

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A datetime-local input's value for a moment (local time, seconds). */
export function localInputValue(ms: number): string {
  return dateTime(ms).replace(' ', 'T');
}

export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : `${n.toFixed(1)} %`;
}
