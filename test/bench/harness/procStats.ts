import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * What the OS says about a process and the machine: CPU time from /proc/<pid>/stat
 * (utime + stime, which for the process cover every thread, living or ended), memory
 * from /proc/<pid>/status, and UDP and backlog drop counters, so a loss can be placed
 * (a reader's socket buffer, the sender's buffer, the loopback backlog).
 */
let ticksPerSecond: number | null = null;

/** Kernel clock ticks per second (USER_HZ), the unit of /proc CPU times. */
export function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcessCpu {
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly threads: number;
}

export function processCpu(pid: number): ProcessCpu | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const hz = clockTicks();
    // fields[0] is field 3 (state); utime is field 14, stime 15, num_threads 20.
    return { userSeconds: Number(fields[11]) / hz, systemSeconds: Number(fields[12]) / hz, threads: Number(fields[17]) };
  } catch {
    return null;
  }
}

export interface ProcessMemory {
  /** Resident set now, KiB. */
  readonly rssKb: number;
  /** Peak resident set (VmHWM), KiB. */
  readonly peakRssKb: number;
}

export function processMemory(pid: number): ProcessMemory | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), peakRssKb: field('VmHWM') };
  } catch {
    return null;
  }
}

export interface NetworkCounters {
  /** Connections dropped because a listener's accept queue was full (the server not accepting in time). */
  readonly listenOverflows: number;
  /** Datagrams dropped because a receiving socket's buffer was full. */
  readonly udpRcvbufErrors: number;
  /** Sends that failed for want of send buffer. */
  readonly udpSndbufErrors: number;
  readonly udpInErrors: number;
  /** Packets dropped from the per-CPU input backlog (loopback goes through it). */
  readonly backlogDrops: number;
}

export function networkCounters(): NetworkCounters {
  let udp: Record<string, number> = {};
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]?.split(/\s+/).slice(1) ?? [];
    const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
    udp = Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
  } catch {
    // Not Linux: zeros.
  }
  let listenOverflows = 0;
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    listenOverflows = Number(values[names.indexOf('ListenOverflows')] ?? 0) || 0;
  } catch {
    // Zero.
  }
  let backlogDrops = 0;
  try {
    for (const line of readFileSync('/proc/net/softnet_stat', 'utf8').trim().split('\n')) {
      backlogDrops += parseInt(line.split(/\s+/)[1] ?? '0', 16);
    }
  } catch {
    // Zero.
  }
  return {
    listenOverflows,
    udpRcvbufErrors: udp.RcvbufErrors ?? 0,
    udpSndbufErrors: udp.SndbufErrors ?? 0,
    udpInErrors: udp.InErrors ?? 0,
    backlogDrops,
  };
}

export function networkDelta(before: NetworkCounters, after: NetworkCounters): NetworkCounters {
  return {
    listenOverflows: after.listenOverflows - before.listenOverflows,
    udpRcvbufErrors: after.udpRcvbufErrors - before.udpRcvbufErrors,
    udpSndbufErrors: after.udpSndbufErrors - before.udpSndbufErrors,
    udpInErrors: after.udpInErrors - before.udpInErrors,
    backlogDrops: after.backlogDrops - before.backlogDrops,
  };
}

/** Load averages and total CPU busy fraction since boot, for spotting a noisy machine. */
export interface SystemCpuSample {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/** The whole machine, or one core (`cpuN` line) when given. */
export function systemCpu(core: number | null = null): SystemCpuSample {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const line = (core === null ? lines[0] : lines.find((l) => l.startsWith(`cpu${core} `))) ?? '';
    const v = line.split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busyTicks: total - idle, totalTicks: total };
  } catch {
    return { busyTicks: 0, totalTicks: 0 };
  }
}

/** The soft limit on open files this process (and so its children) has. */
export function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
