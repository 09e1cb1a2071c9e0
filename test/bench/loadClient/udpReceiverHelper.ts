import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clockTicks } from '../harness/procStats.js';

/**
 * The Node side of udpReceiver.c: starts it (it inherits the load client's core),
 * sends it line commands and reads its answers in order. Its CPU time is read from
 * /proc so the load client's own figure includes it.
 */
export interface SlotCounters {
  readonly packets: number;
  readonly bytes: number;
  readonly gaps: number;
  readonly late: number;
  readonly duplicates: number;
  readonly extendedHighest: number;
  readonly expected: number;
  readonly timestampAdvance: number;
  readonly ssrc: number;
}

interface Pending {
  /** A multi-line answer ends with a line "end". */
  readonly multi: boolean;
  readonly lines: string[];
  resolve(lines: string[]): void;
  reject(error: Error): void;
}

export class UdpReceiverHelper {
  private readonly pending: Pending[] = [];
  private partial = '';
  private exited: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (text: string) => this.onOutput(text));
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`udpReceiver: ${d.toString()}`));
    child.once('exit', (code, signal) => {
      this.exited = `udpReceiver exited (${signal ?? code})`;
      for (const p of this.pending.splice(0)) p.reject(new Error(this.exited));
    });
  }

  /** `core`: pin it there with taskset (the load client leaves it on its own core). */
  static start(binary: string, intervalUs = 10_000, recvBufferBytes = 8 * 1024 * 1024, core: number | null = null): UdpReceiverHelper {
    const args = [String(intervalUs), String(recvBufferBytes)];
    const stdio: ['pipe', 'pipe', 'pipe'] = ['pipe', 'pipe', 'pipe'];
    // taskset execs the helper in place, so the pid is the helper's own.
    const child = core === null ? spawn(binary, args, { stdio }) : spawn('taskset', ['-c', String(core), binary, ...args], { stdio });
    return new UdpReceiverHelper(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The helper's process (for a runner that must be able to kill it). */
  get process(): ChildProcess {
    return this.child;
  }

  /** Binds the port; resolves with the helper's slot for it. */
  async open(port: number): Promise<number> {
    const [line] = await this.command(`open ${port}`, false);
    const m = /^ok (\d+)$/.exec(line ?? '');
    if (!m) throw new Error(`udpReceiver: ${line}`);
    return Number(m[1]);
  }

  close(slot: number): void {
    this.command(`close ${slot}`, false).catch(() => {});
  }

  async snapshot(): Promise<Map<number, SlotCounters>> {
    const lines = await this.command('snap', true);
    const result = new Map<number, SlotCounters>();
    for (const line of lines) {
      const f = line.split(' ').map(Number);
      result.set(f[0]!, {
        packets: f[1]!,
        bytes: f[2]!,
        gaps: f[3]!,
        late: f[4]!,
        duplicates: f[5]!,
        extendedHighest: f[6]!,
        expected: f[7]!,
        timestampAdvance: f[8]!,
        ssrc: f[9]!,
      });
    }
    return result;
  }

  /** CPU seconds (user, system) the helper has used. */
  cpuSeconds(): { user: number; system: number } {
    try {
      const text = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const hz = clockTicks();
      return { user: Number(fields[11]) / hz, system: Number(fields[12]) / hz };
    } catch {
      return { user: 0, system: 0 };
    }
  }

  stop(): void {
    if (this.exited) return;
    this.child.stdin!.end('quit\n');
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }

  private command(text: string, multi: boolean): Promise<string[]> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.pending.push({ multi, lines: [], resolve, reject });
      this.child.stdin!.write(`${text}\n`);
    });
  }

  private onOutput(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const head = this.pending[0];
      if (!head) continue;
      if (!head.multi) {
        this.pending.shift();
        head.resolve([line]);
      } else if (line === 'end') {
        this.pending.shift();
        head.resolve(head.lines);
      } else if (!line.startsWith('snap ')) {
        head.lines.push(line);
      }
    }
  }
}
