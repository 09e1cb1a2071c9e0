/**
 * Child process for the crash test: appends batches to the embedded store as fast as it can and
 * prints one line per acknowledged append: "<stream> <nextExpectedRevision> <position>". The parent
 * kills it with SIGKILL at a random moment. Usage: node --import tsx crashWriter.ts <dir> [appenders] [maxPad]
 */
import { randomUUID } from 'node:crypto';
import { openEmbeddedEventStore } from '../../eventstore/embedded/embeddedEventStore.js';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: crashWriter.ts <dir> [appenders] [maxPad]');
const appenders = Number(process.argv[3] ?? 4);
/** Largest padding per event: bigger events make bigger writes, which a kill can tear. */
const maxPad = Number(process.argv[4] ?? 600);

const store = await openEmbeddedEventStore(directory);
process.stdout.write('ready\n');

async function appender(k: number): Promise<void> {
  const stream = `crash-${k}`;
  let next = (await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1;
  for (;;) {
    const size = 1 + Math.floor(Math.random() * 120);
    const events = Array.from({ length: size }, (_, i) => ({
      id: randomUUID(),
      type: 'CrashTick',
      // Variable sizes, so that writes end at arbitrary places in pages.
      data: { k, revision: next + 1 + i, pad: 'x'.repeat(Math.floor(Math.random() * maxPad)) },
    }));
    const result = await store.append(stream, events, next);
    next = result.nextExpectedRevision;
    process.stdout.write(`${stream} ${result.nextExpectedRevision} ${result.position}\n`);
  }
}

await Promise.all(Array.from({ length: appenders }, (_, k) => appender(k)));
