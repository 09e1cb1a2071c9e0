import type { BenchBuild } from '../harness/build.js';
import type { BenchMovie } from '../harness/benchMovie.js';
import type { LoadClientProcess } from '../harness/loadClientProcess.js';
import type { ServerUnderTest } from '../harness/serverUnderTest.js';

/**
 * A named bench scenario: it starts what it needs through the context (the real
 * server, the load client), measures, and returns figures, tables to print, and its
 * figures compared with the targets in DESIGN.md (reported, never asserted).
 */
export interface Comparison {
  readonly figure: string;
  readonly value: number | null;
  readonly unit: string;
  /** e.g. '≤ 3'. */
  readonly target: string;
  /** null when there is no figure to compare. */
  readonly meets: boolean | null;
  readonly note?: string;
}

export interface PrintableTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

export interface ScenarioResult {
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  readonly reason?: string;
  readonly summary: Record<string, unknown>;
  readonly comparisons: readonly Comparison[];
  readonly tables: readonly PrintableTable[];
  readonly details?: unknown;
  readonly notes?: readonly string[];
  readonly seconds?: number;
}

export interface StartServerOptions {
  readonly extraArgs?: readonly string[];
  /** Profile this server with node --cpu-prof (the bench's --cpu-prof flag also turns it on). */
  readonly cpuProfile?: boolean;
  /** Open the server's inspector on loopback (for `ServerUnderTest.heapAfterGc`). */
  readonly inspect?: boolean;
}

export interface BenchContext {
  readonly quick: boolean;
  /** Reader counts the fan-out ramps try instead of their own (`--steps`); null: theirs. */
  readonly steps: readonly number[] | null;
  readonly build: BenchBuild;
  /** A fresh temporary folder for this run, removed at the end. */
  readonly workDir: string;
  /** Where results (and CPU profiles) go. */
  readonly resultsDir: string;
  readonly serverCore: number | null;
  readonly clientCore: number | null;
  /** Ramps stop starting steps past this time (performance.now()), to keep the run bounded. */
  readonly runDeadlineMs: number;
  /** Scenarios named here run the server under node --cpu-prof. */
  readonly cpuProfileScenarios: ReadonlySet<string>;
  /** Made once, on first use; null when ffmpeg is missing. */
  movie(): Promise<BenchMovie | null>;
  /** A server with fresh data; stopped by the runner if the scenario leaves it running. */
  startServer(scenario: string, options?: StartServerOptions): Promise<ServerUnderTest>;
  startLoadClient(): Promise<LoadClientProcess>;
  log(line: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}

export function skipped(reason: string, notes: readonly string[] = []): ScenarioResult {
  return { status: 'skipped', reason, summary: {}, comparisons: [], tables: [], notes };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A number for a table cell. */
export function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
