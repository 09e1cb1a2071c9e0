import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ffmpegPath } from '../helpers/tools.js';
import { makeBenchMovie, type BenchMovie } from './harness/benchMovie.js';
import { benchDir, buildForBench } from './harness/build.js';
import { summarizeCpuProfile, type ProfileSummary } from './harness/cpuProfileSummary.js';
import { LoadClientProcess } from './harness/loadClientProcess.js';
import { describeMachine } from './harness/machine.js';
import { killAll, trackDirectory } from './harness/processes.js';
import { clockTicks, systemCpu } from './harness/procStats.js';
import { formatTable, summaryTable, writeResults } from './harness/report.js';
import { ServerUnderTest } from './harness/serverUnderTest.js';
import { scenarios } from './scenarios/index.js';
import { fmt, sleep, type BenchContext, type PrintableTable, type ScenarioResult } from './scenarios/scenario.js';

/**
 * `npm run bench [-- --only a,b] [--quick] [--steps n,m] [--cpu-prof a,b] [--list]`: runs named
 * scenarios against the real server process (built to plain JS, pinned to core 0) with
 * the load client in its own process (pinned to core 1), prints a table per scenario,
 * a summary against the DESIGN.md targets and the JSON document, and writes the JSON to
 * test/bench/results/latest.json plus a timestamped copy.
 */
const HELP = `Usage: npm run bench -- [options]

  --only <names>      comma-separated scenarios to run (default: all)
  --quick             short steps and fewer repeats (under 2 minutes)
  --steps <n,m,...>   the reader counts the fan-out ramps try, instead of their own
  --cpu-prof <names>  run the server of these scenarios under node --cpu-prof and
                      summarise where its time goes (profiles in results/profiles/)
  --no-pin            do not pin the server and load client to separate cores
  --list              list the scenarios and exit
  --help              this help

Scenarios: ${scenarios.map((s) => s.name).join(', ')}
`;

/** `--steps 800,1000`: positive whole reader counts, ascending as a ramp climbs. */
function parseSteps(text: string): number[] {
  const steps = text.split(',').map((t) => Number(t.trim()));
  if (steps.some((n) => !Number.isInteger(n) || n < 1)) fail(`--steps wants positive whole numbers separated by commas, got "${text}"`);
  return steps.sort((a, b) => a - b);
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        steps: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'no-pin': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.list) {
    for (const s of scenarios) process.stdout.write(`${s.name.padEnd(14)} ${s.title}\n`);
    return 0;
  }
  const names = (list: string | undefined): string[] => (list ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const known = new Set(scenarios.map((s) => s.name));
  const only = names(values.only);
  const profiled = new Set(names(values['cpu-prof']));
  for (const n of [...only, ...profiled]) if (!known.has(n)) fail(`unknown scenario ${n} (known: ${[...known].join(', ')})`);
  const selected = only.length ? scenarios.filter((s) => only.includes(s.name)) : [...scenarios];
  const quick = values.quick;
  const steps = values.steps === undefined ? null : parseSteps(values.steps);

  const startedAt = new Date();
  const t0 = performance.now();
  const log = (line: string): void => {
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  };
  const resultsDir = path.join(benchDir, 'results');
  await mkdir(resultsDir, { recursive: true });

  const pin = !values['no-pin'] && os.cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const serverCore = pin ? 0 : null;
  const clientCore = pin ? 1 : null;
  const notes: string[] = [];
  if (!pin) notes.push('Server and load client were NOT pinned to separate cores (--no-pin, one core, or no taskset).');

  const machine = describeMachine(ffmpegPath());
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, Linux ${machine.kernel}`);
  const background = await backgroundLoad(quick ? 1 : 2);
  log(`background load before the run: ${fmt(background, 0)} % of one core`);
  if (background > 15) notes.push(`The machine was busy before the run (${fmt(background, 0)} % of a core used by other work): figures may be noisy.`);

  log('building the server and load client (tsc → test/bench/.build)…');
  const build = buildForBench();
  log(`built in ${fmt(build.seconds, 1)} s${build.typeErrors ? ` with ${build.typeErrors} type errors elsewhere in the tree (JS emitted anyway)` : ''}`);
  if (build.udpReceiverProblem) {
    process.stderr.write(`\n*** bench: udpReceiver.c not built (${build.udpReceiverProblem.trim()}): UDP readers receive in Node, which saturates near 1,000 sessions ***\n\n`);
    notes.push(`udpReceiver.c was not built (${build.udpReceiverProblem.trim()}); UDP readers received in Node.`);
  }
  if (build.typeErrors) notes.push(`The tree had ${build.typeErrors} type errors when built (other work in progress); the emitted JS was measured.`);

  const workDir = trackDirectory(await mkdtemp(path.join(os.tmpdir(), 'streamhouse-bench-')));
  let moviePromise: Promise<BenchMovie | null> | null = null;
  const running: { servers: ServerUnderTest[]; clients: LoadClientProcess[] } = { servers: [], clients: [] };
  let serverCount = 0;
  const context: BenchContext = {
    quick,
    steps,
    build,
    workDir,
    resultsDir,
    serverCore,
    clientCore,
    // Full runs end under 15 minutes, quick ones under 2 (the ramps give way first).
    runDeadlineMs: t0 + (quick ? 100_000 : 12 * 60_000),
    cpuProfileScenarios: profiled,
    movie() {
      moviePromise ??= (async () => {
        const seconds = quick ? 30 : 60;
        log(`making the bench movie with ffmpeg (${seconds} s, 1.5 Mbit/s H.264 640x360 + AAC)…`);
        const movie = await makeBenchMovie(path.join(workDir, 'movies'), seconds);
        if (movie === null) {
          process.stderr.write('\n*** bench: ffmpeg not found (PATH or @ffmpeg-installer/ffmpeg): streaming scenarios SKIPPED ***\n\n');
        } else log(`bench movie: ${(movie.bytes / 1e6).toFixed(1)} MB`);
        return movie;
      })();
      return moviePromise;
    },
    async startServer(scenario, options = {}) {
      const movie = await context.movie();
      const profileDir = options.cpuProfile || profiled.has(scenario) ? path.join(resultsDir, 'profiles', `${scenario}-${startedAt.getTime()}`) : null;
      if (profileDir) await mkdir(profileDir, { recursive: true });
      const server = await ServerUnderTest.start({
        entry: build.serverEntry,
        moviesFolder: movie?.folder ?? path.join(workDir, 'movies'),
        dataFolder: path.join(workDir, `data-${scenario}-${++serverCount}`),
        core: serverCore,
        extraArgs: options.extraArgs ?? [],
        cpuProfileDir: profileDir,
        inspect: options.inspect ?? false,
      });
      running.servers.push(server);
      log(`  server pid ${server.pid} on RTSP port ${server.port}${serverCore === null ? '' : `, pinned to core ${serverCore}`}${profileDir ? ', under --cpu-prof' : ''}`);
      return server;
    },
    async startLoadClient() {
      const client = await LoadClientProcess.start(build.loadClientEntry, clientCore, build.udpReceiver);
      running.clients.push(client);
      return client;
    },
    log,
  };

  const results: Array<[string, ScenarioResult]> = [];
  for (const scenario of selected) {
    log(`▶ ${scenario.name}: ${scenario.title}`);
    const started = performance.now();
    let result: ScenarioResult;
    try {
      result = await scenario.run(context);
    } catch (error) {
      result = { status: 'failed', reason: error instanceof Error ? (error.stack ?? error.message) : String(error), summary: {}, comparisons: [], tables: [] };
    }
    for (const client of running.clients.splice(0)) await client.stop().catch(() => {});
    const profiles: ProfileSummary[] = [];
    for (const server of running.servers.splice(0)) {
      await server.stop().catch(() => null);
      for (const file of await server.cpuProfiles()) profiles.push(await summarizeCpuProfile(file, path.resolve(benchDir, '..', '..')));
    }
    const tables = [...result.tables, ...profiles.flatMap(profileTables)];
    result = { ...result, tables, seconds: (performance.now() - started) / 1000, ...(profiles.length ? { details: { ...(result.details as object), profiles } } : {}) };
    results.push([scenario.name, result]);
    if (result.status === 'ok') {
      process.stdout.write(`\n${tables.map(formatTable).join('\n\n')}\n`);
      for (const note of result.notes ?? []) process.stdout.write(`  · ${note}\n`);
      process.stdout.write('\n');
    } else {
      const loud = result.status === 'failed' ? 'FAILED' : 'SKIPPED';
      process.stderr.write(`\n*** ${scenario.name} ${loud}: ${result.reason} ***\n\n`);
    }
    log(`◀ ${scenario.name} ${result.status} in ${fmt(result.seconds, 0)} s`);
  }

  const finishedAt = new Date();
  const document = {
    schema: 'streamhouse-bench/1',
    mode: quick ? 'quick' : 'full',
    // Ramps of a run given --steps are not the standard ones: say so beside the figures.
    steps: steps ?? 'each scenario its own',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100), backgroundLoadPercentBeforeRun: background },
    setup: {
      server: path.relative(path.resolve(benchDir, '..', '..'), build.serverEntry),
      serverCore,
      clientCore,
      typeErrorsInTree: build.typeErrors,
    },
    notes,
    scenarios: Object.fromEntries(results),
  };
  const summary = summaryTable(results);
  process.stdout.write(`${formatTable(summary)}\n`);
  for (const note of notes) process.stdout.write(`  · ${note}\n`);
  process.stdout.write(`\n${JSON.stringify(document, null, 2)}\n`);
  const written = await writeResults(resultsDir, document, startedAt);
  log(`results: ${path.relative(process.cwd(), written.latest)} (copy: ${path.relative(process.cwd(), written.copy)})`);
  await rm(workDir, { recursive: true, force: true });
  return results.some(([, r]) => r.status === 'failed') ? 1 : 0;
}

/** CPU used on the whole machine over a few seconds, in % of one core. */
async function backgroundLoad(seconds: number): Promise<number> {
  const a = systemCpu();
  await sleep(seconds * 1000);
  const b = systemCpu();
  return (100 * (b.busyTicks - a.busyTicks)) / clockTicks() / seconds;
}

function profileTables(p: ProfileSummary): PrintableTable[] {
  const byFile: PrintableTable = {
    title: 'Server CPU profile: self time by source file',
    columns: ['file', '% of busy', 'self ms'],
    rows: p.topFiles.slice(0, 12).map((f) => [f.name.slice(0, 110), fmt(f.busyPercent, 1), fmt(f.ms, 0)]),
  };
  return [profileTable(p), byFile];
}

function profileTable(p: ProfileSummary): PrintableTable {
  return {
    title: `Server CPU profile, whole server life (${fmt(p.sampledMs / 1000, 1)} s sampled, ${fmt(p.busyMs / 1000, 1)} s busy): top functions by self time`,
    columns: ['function', '% of busy', 'self ms'],
    rows: p.topFunctions.slice(0, 20).map((f) => [f.name.slice(0, 110), fmt(f.busyPercent, 1), fmt(f.ms, 0)]),
  };
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAll();
    process.exit(1);
  },
);
