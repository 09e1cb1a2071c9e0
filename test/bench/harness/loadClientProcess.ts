import { spawn, type ChildProcess } from 'node:child_process';
import type {
  ClientSnapshot,
  LoadCommand,
  LoadReply,
  OpenSessionsCommand,
  OpenSessionsResult,
  SetupRateCommand,
  SetupRateResult,
} from '../loadClient/protocol.js';
import { track } from './processes.js';

/**
 * The load client as a child process pinned to its own core (taskset execs node in
 * place, keeping the IPC channel), with typed calls over IPC.
 */
export class LoadClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exitReason: string | null = null;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (reply: LoadReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`load client: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      this.exitReason = `load client exited (${signal ?? code})`;
      for (const w of this.pending.values()) w.reject(new Error(this.exitReason));
      this.pending.clear();
    });
  }

  static async start(entry: string, core: number | null, udpReceiver: string | null): Promise<LoadClientProcess> {
    // BENCH_CLIENT_NODE_ARGS (e.g. '--cpu-prof') profiles or tunes the load client itself.
    const extra = (process.env.BENCH_CLIENT_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const node = [process.execPath, ...extra, entry, ...(udpReceiver ? ['--udp-helper', udpReceiver] : [])];
    const command = core === null ? node[0]! : 'taskset';
    const args = core === null ? node.slice(1) : ['-c', String(core), ...node];
    const child = track(spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const client = new LoadClientProcess(child);
    await client.call({ cmd: 'snapshot' });
    return client;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call(command: LoadCommand, timeoutMs = 600_000): Promise<unknown> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load client did not answer ${command.cmd} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, command });
    });
  }

  open(command: Omit<OpenSessionsCommand, 'cmd'>): Promise<OpenSessionsResult> {
    return this.call({ cmd: 'open', ...command }) as Promise<OpenSessionsResult>;
  }

  snapshot(): Promise<ClientSnapshot> {
    return this.call({ cmd: 'snapshot' }) as Promise<ClientSnapshot>;
  }

  closeAll(): Promise<number> {
    return this.call({ cmd: 'closeAll' }) as Promise<number>;
  }

  setupRate(command: Omit<SetupRateCommand, 'cmd'>): Promise<SetupRateResult> {
    return this.call({ cmd: 'setupRate', ...command }) as Promise<SetupRateResult>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.call({ cmd: 'exit' }, 5_000).catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
