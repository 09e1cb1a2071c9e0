import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real server as a child process (the CLI, through tsx), on free ports, with
 * its own movies and data folders under a temporary directory. `stop()` ends it and
 * removes nothing; `cleanup()` also deletes the folders.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProcess {
  readonly port: number;
  /** Every RTSP port listening, in the order printed. */
  readonly ports: readonly number[];
  readonly dir: string;
  readonly moviesFolder: string;
  readonly dataFolder: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  url(moviePath: string, host?: string): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  cleanup(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startServerProcess(options: { args?: string[]; moviesFolder?: string; dir?: string; wrap?: string[] } = {}): Promise<ServerProcess> {
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'streamhouse-test-')));
  const moviesFolder = options.moviesFolder ?? path.join(dir, 'movies');
  const dataFolder = path.join(dir, 'data');
  const wrap = options.wrap ?? [];
  const child = spawn(
    wrap[0] ?? process.execPath,
    [
      ...(wrap.length > 0 ? [...wrap.slice(1), process.execPath] : []),
      '--import',
      'tsx',
      path.join(repoRoot, 'adapters', 'cli', 'streamhouse.ts'),
      '--rtsp-port',
      '0',
      '--rtp-port',
      '0',
      ...(options.args?.includes('--listen') ? [] : ['--listen', '127.0.0.1']),
      // Tests never contend for the admin's well-known port.
      ...(options.args?.includes('--admin-port') ? [] : ['--admin-port', '0']),
      '--movies',
      moviesFolder,
      '--data',
      dataFolder,
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));

  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      // The play hint comes after every listening line.
      if (!/Play the sample movie:/.test(output)) return;
      clearTimeout(timer);
      resolve([...output.matchAll(/rtsp listening on \S+ port (\d+)/g)].map((m) => Number(m[1])));
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const port = ports[0]!;
  return {
    port,
    ports,
    dir,
    moviesFolder,
    dataFolder,
    child,
    output: () => output,
    url: (moviePath, host = '127.0.0.1') => `rtsp://${host}:${port}/${moviePath}`,
    stop,
    async cleanup() {
      await stop();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
