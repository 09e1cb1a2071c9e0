import { readFileSync } from 'node:fs';

/** Name and version in the QTSS `Server:` header shape. */
function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'streamhouse' && pkg.version) return pkg.version;
    } catch {
      // Try the next layout (sources vs dist).
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
export const SERVER_HEADER = `Streamhouse/${VERSION} (Build/1; Platform/${process.platform === 'linux' ? 'Linux' : process.platform}; Release/Streamhouse; State/Development; )`;
