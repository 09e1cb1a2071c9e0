import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Comparison, PrintableTable, ScenarioResult } from '../scenarios/scenario.js';

/** Plain-text tables for the terminal, and the results files. */
export function formatTable(table: PrintableTable): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [table.title, line(table.columns), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export function verdictOf(c: Comparison): string {
  return c.meets === null ? 'no figure' : c.meets ? 'meets' : 'MISSES';
}

export function summaryTable(results: ReadonlyArray<readonly [string, ScenarioResult]>): PrintableTable {
  const rows: string[][] = [];
  for (const [name, r] of results) {
    if (r.status !== 'ok') {
      rows.push([name, r.status.toUpperCase(), '', '', r.reason?.split('\n')[0]?.slice(0, 110) ?? '']);
      continue;
    }
    for (const c of r.comparisons) {
      rows.push([name, c.figure, c.value === null ? '–' : `${formatValue(c.value)} ${c.unit}`, c.target, verdictOf(c)]);
    }
    if (r.comparisons.length === 0) rows.push([name, 'see table above', '', '', '']);
  }
  return { title: 'Summary: figures against the targets in DESIGN.md (reported, not asserted)', columns: ['scenario', 'figure', 'value', 'target', 'verdict'], rows };
}

function formatValue(v: number): string {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Writes latest.json and a timestamped copy; returns both paths. */
export async function writeResults(dir: string, document: unknown, startedAt: Date): Promise<{ latest: string; copy: string }> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const latest = path.join(dir, 'latest.json');
  const copy = path.join(dir, `${stamp}.json`);
  await writeFile(latest, text);
  await writeFile(copy, text);
  return { latest, copy };
}
