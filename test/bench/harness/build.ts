import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles the server and the load client to plain JavaScript in test/bench/.build (and
 * the load client's UDP receiver, udpReceiver.c, with gcc), so
 * the processes measured run what `npm run build` would produce, without tsx in the
 * loop, and without touching dist/ (which other work may be building at the same time).
 * Type errors elsewhere in the tree do not stop the bench (tsc still emits); they are
 * reported, and recorded in the results.
 */
export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(benchDir, '..', '..');

export interface BenchBuild {
  readonly serverEntry: string;
  readonly loadClientEntry: string;
  /** udpReceiver.c compiled with gcc, or null (no gcc: Node receives UDP, and says so). */
  readonly udpReceiver: string | null;
  readonly udpReceiverProblem: string | null;
  readonly typeErrors: number;
  readonly output: string;
  readonly seconds: number;
}

export function buildForBench(): BenchBuild {
  const started = performance.now();
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(benchDir, 'tsconfig.bench.json')], { cwd: repoRoot, encoding: 'utf8' });
  const outDir = path.join(benchDir, '.build');
  const serverEntry = path.join(outDir, 'adapters', 'cli', 'streamhouse.js');
  const loadClientEntry = path.join(outDir, 'test', 'bench', 'loadClient', 'main.js');
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) throw new Error(`could not run tsc: ${result.error.message}`);
  if (!existsSync(serverEntry) || !existsSync(loadClientEntry)) {
    throw new Error(`build produced no ${!existsSync(serverEntry) ? serverEntry : loadClientEntry}:\n${output}`);
  }
  const udpReceiver = path.join(outDir, 'udpReceiver');
  const udpReceiverProblem = compileC(path.join(benchDir, 'loadClient', 'udpReceiver.c'), udpReceiver);
  return {
    serverEntry,
    loadClientEntry,
    udpReceiver: udpReceiverProblem === null ? udpReceiver : null,
    udpReceiverProblem,
    typeErrors: result.status === 0 ? 0 : (output.match(/error TS\d+/g) ?? []).length || 1,
    output,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Compiles one C helper with gcc (-O2); returns null, or what went wrong. */
export function compileC(source: string, output: string): string | null {
  const gcc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', output, source], { encoding: 'utf8' });
  return gcc.error ? `gcc not runnable: ${gcc.error.message}` : gcc.status !== 0 ? `gcc failed: ${gcc.stderr}` : null;
}
