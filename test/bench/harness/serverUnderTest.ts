import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './build.js';
import { track } from './processes.js';
import { processCpu, processMemory, type ProcessMemory } from './procStats.js';
import { heapAfterGc, inspectorUrl, type HeapFigures } from './serverHeap.js';

/**
 * The real server as a child process, pinned to one core with taskset (so its CPU and
 * the load client's never share a core), on free ports, with its own movies and data
 * folders. CPU and memory come from /proc, not from the server's own reports.
 */
export interface ServerOptions {
  readonly entry: string;
  readonly moviesFolder: string;
  readonly dataFolder: string;
  /** Core to pin to; null runs unpinned. */
  readonly core: number | null;
  readonly extraArgs?: readonly string[];
  /** Write a V8 CPU profile (node --cpu-prof) into this folder when the server exits. */
  readonly cpuProfileDir?: string | null;
  /** Open the inspector on a loopback port, so `heapAfterGc` can read the server's heap. */
  readonly inspect?: boolean;
}

export class ServerUnderTest {
  private outputText = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly options: ServerOptions,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.outputText += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.outputText += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  port = 0;

  static async start(options: ServerOptions): Promise<ServerUnderTest> {
    await mkdir(options.moviesFolder, { recursive: true });
    await mkdir(options.dataFolder, { recursive: true });
    // Settings by file rather than flags: a key the server does not know yet is ignored, not fatal.
    // Admission limits off (the bench finds the limits), the admin UI on any free port.
    const config = `${options.dataFolder}.settings.json`;
    await writeFile(config, JSON.stringify({ maxConnections: -1, maxThroughputKbps: -1, adminPort: 0 }));
    const nodeArgs = [
      ...(options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : []),
      ...(options.inspect ? ['--inspect=127.0.0.1:0'] : []),
    ];
    const serverArgs = [
      options.entry,
      '--rtsp-port',
      '0',
      '--rtp-port',
      '0',
      '--listen',
      '127.0.0.1',
      '--movies',
      options.moviesFolder,
      '--data',
      options.dataFolder,
      '--config',
      config,
      ...(options.extraArgs ?? []),
    ];
    const command = options.core === null ? process.execPath : 'taskset';
    const args = options.core === null ? [...nodeArgs, ...serverArgs] : ['-c', String(options.core), process.execPath, ...nodeArgs, ...serverArgs];
    // taskset execs node in place, so the pid is the server's own.
    const child = track(spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] }));
    if (child.pid === undefined) throw new Error(`could not start the server (${command})`);
    const server = new ServerUnderTest(child, child.pid, options);
    server.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${server.outputText}`)), 20_000);
      const check = (): void => {
        // 'rtsp listening on port N' or 'rtsp listening on <address> port N'.
        const m = /rtsp listening on (?:\S+ )?port (\d+)/.exec(server.outputText);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${server.outputText}`));
      });
    });
    return server;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.outputText;
  }

  url(moviePath: string): string {
    return `rtsp://127.0.0.1:${this.port}/${moviePath}`;
  }

  /** CPU seconds (user + system, all threads) since the server started. */
  cpuSeconds(): number {
    const cpu = processCpu(this.pid);
    return cpu === null ? NaN : cpu.userSeconds + cpu.systemSeconds;
  }

  memory(): ProcessMemory | null {
    return processMemory(this.pid);
  }

  /** The heap after a full collection; null unless the server was started with `inspect`. */
  async heapAfterGc(): Promise<HeapFigures | null> {
    const url = inspectorUrl(this.outputText);
    return url === null ? null : heapAfterGc(url);
  }

  /** SIGTERM (the server flushes its event store and exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** The CPU profiles the server wrote on exit (with cpuProfileDir). */
  async cpuProfiles(): Promise<string[]> {
    const dir = this.options.cpuProfileDir;
    if (!dir) return [];
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.cpuprofile')).map((n) => path.join(dir, n));
  }
}
