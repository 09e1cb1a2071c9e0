import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download). Missing on a
 * developer's machine, the browser tests skip loudly; in CI (CI=true) that is a failure.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function skipUnlessChromium(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `${CHROMIUM} not found (apt-get install chromium): browser tests NOT RUN`;
  if (process.env.CI) throw new Error(`${reason} (CI must have it)`);
  process.stderr.write(`\n*** SKIPPING: ${reason} ***\n\n`);
  return reason;
}

/** A fresh browser with its own temporary profile (--user-data-dir), removed on close. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'streamhouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
