import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine the figures come from, printed and stored with them. */
export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly hypervisor: string | null;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly ffmpeg: string | null;
  readonly openFilesLimit: number | null;
  readonly udpReceiveBufferMax: number | null;
  readonly loadAverage: readonly number[];
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function run(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

export function describeMachine(ffmpeg: string | null): MachineDescription {
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  const vendor = /^Hypervisor vendor:\s*(.+)$/m.exec(run('lscpu', []) ?? '')?.[1]?.trim();
  const hypervisor = /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) ? (vendor ?? run('systemd-detect-virt', [])?.trim() ?? 'yes') : null;
  const osRelease = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(read('/etc/os-release') ?? '')?.[1] ?? os.type();
  const limit = run('sh', ['-c', 'ulimit -n'])?.trim();
  const rmem = read('/proc/sys/net/core/rmem_max')?.trim();
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    hypervisor,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: osRelease,
    node: process.version,
    ffmpeg: ffmpeg === null ? null : (run(ffmpeg, ['-version'])?.split('\n')[0]?.replace(/ Copyright.*/, '') ?? null),
    openFilesLimit: limit && /^\d+$/.test(limit) ? Number(limit) : null,
    udpReceiveBufferMax: rmem ? Number(rmem) : null,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
