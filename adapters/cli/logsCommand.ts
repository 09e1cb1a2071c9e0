import path from 'node:path';
import { parseArgs } from 'node:util';
import { openEmbeddedEventStore, StoreInUseError } from '../../eventstore/embedded/index.js';
import type { ServerStarted } from '../../domain/events/adminEvents.js';
import type { z } from 'zod';
import { rebuildLogs } from '../log/logFileWriter.js';
import { describeSkippedEvent, UpcastingReader } from '../../eventstore/upcastingReader.js';

/**
 * `streamhouse logs rebuild`: regenerates Error.log and StreamingServer.log (and
 * their rolled files) from the events of a stopped server's data folder, byte for
 * byte what the running server wrote.
 */
const HELP = `Usage: streamhouse logs rebuild [--data <dir>] [--out <dir>]

Regenerates Error.log and StreamingServer.log, rolled files included, from the
events in <dir>/events (default ./data), into --out (default: the log folder the
server last ran with, else <dir>/logs). The server must be stopped.
`;

export async function runLogsCommand(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { data: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } });
  } catch (error) {
    process.stderr.write(`streamhouse logs: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(HELP);
    return 0;
  }
  if (positionals[0] !== 'rebuild' || positionals.length !== 1) {
    process.stderr.write(`streamhouse logs: expected "rebuild"\n${HELP}`);
    return 2;
  }
  const dataFolder = values.data ?? './data';
  let store;
  try {
    store = await openEmbeddedEventStore(path.join(dataFolder, 'events'));
  } catch (error) {
    const message = error instanceof StoreInUseError ? `${error.message}: stop the server first` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`streamhouse logs: ${message}\n`);
    return error instanceof StoreInUseError ? 2 : 1;
  }
  try {
    // The same events the running server's log writer folds: upcast, unreadable ones left out.
    const events = await new UpcastingReader(store, { onSkip: (skipped) => process.stderr.write(`streamhouse logs: warning: ${describeSkippedEvent(skipped)}\n`) }).readAll();
    const lastStart = [...events].reverse().find((e) => e.type === 'ServerStarted');
    const configured = (lastStart?.data as z.infer<typeof ServerStarted> | undefined)?.settings.logFolder;
    const folder = path.resolve(values.out ?? configured ?? path.join(dataFolder, 'logs'));
    const written = await rebuildLogs(events, folder);
    out(`rebuilt ${written.length} log file${written.length === 1 ? '' : 's'} in ${folder} from ${events.length} events: ${written.join(', ')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`streamhouse logs: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
