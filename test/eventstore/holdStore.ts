/**
 * Child process for the lock tests: opens the embedded store, appends one event, prints "ready",
 * and holds the store until killed (or for 30 s at most). Usage: node --import tsx holdStore.ts <dir>
 */
import { randomUUID } from 'node:crypto';
import { openEmbeddedEventStore } from '../../eventstore/embedded/embeddedEventStore.js';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: holdStore.ts <dir>');
const store = await openEmbeddedEventStore(directory);
await store.append('held', [{ id: randomUUID(), type: 'Held', data: { pid: process.pid } }]);
process.stdout.write('ready\n');
setTimeout(() => {
  void store.close().then(() => process.exit(0));
}, 30_000);
