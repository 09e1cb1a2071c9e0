import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Everything the bench starts, so that everything is ended: on normal completion, on an
 * error, on Ctrl-C or SIGTERM, and (synchronously, SIGKILL) when the runner exits any
 * other way. Only processes started here are signalled, each by its own pid.
 */
const children = new Set<ChildProcess>();
const directories = new Set<string>();
let installed = false;

export function track(child: ChildProcess): ChildProcess {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A temporary directory removed when the runner exits. */
export function trackDirectory(dir: string): string {
  install();
  directories.add(dir);
  return dir;
}

export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }
}

function removeDirectories(): void {
  for (const dir of directories) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: a temp dir left behind is harmless.
    }
  }
  directories.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    killAll('SIGKILL');
    removeDirectories();
  });
  const interrupt = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
    killAll('SIGKILL');
    removeDirectories();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('SIGHUP', interrupt);
}
