import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per source
 * file, as shares of the sampled time, so "where does the server's time go" has an
 * answer in the bench output without opening a profiler.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  /** Share of all samples, idle included. */
  readonly percent: number;
  /** Share of the busy (non-idle) samples: where the CPU time went. */
  readonly busyPercent: number;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly sampledMs: number;
  readonly busyMs: number;
  readonly topFunctions: readonly ProfileEntry[];
  readonly topFiles: readonly ProfileEntry[];
}

export async function summarizeCpuProfile(file: string, root: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from the samples and their time deltas (µs).
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, next));
  }
  let totalUs = 0;
  for (const v of selfUs.values()) totalUs += v;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url, root);
    const name = where === '' ? `(${functionName || 'anonymous'})` : `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const fileKey = where === '' ? `(${functionName || 'native'})` : where;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const idleUs = byFunction.get('((idle))') ?? 0;
  const busyUs = Math.max(1, totalUs - idleUs);
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .filter(([name]) => name !== '((idle))')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, percent: round((100 * us) / Math.max(1, totalUs)), busyPercent: round((100 * us) / busyUs), ms: round(us / 1000) }));
  return { file, sampledMs: round(totalUs / 1000), busyMs: round(busyUs / 1000), topFunctions: rank(byFunction), topFiles: rank(byFile) };
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '';
  let p = url.replace(/^file:\/\//, '');
  if (p.startsWith(root)) p = path.relative(root, p);
  return p.replace(/^test\/bench\/\.build\//, '');
}

const round = (v: number): number => Math.round(v * 10) / 10;
