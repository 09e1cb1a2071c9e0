import type { RtspResponseMessage } from '../../../domain/rtsp/rtspMessage.js';
import { percentiles } from './percentiles.js';
import type { SetupRateCommand, SetupRateResult } from './protocol.js';
import { RtspClientConnection } from './rtspClientConnection.js';
import { tracksOf } from './sdpTracks.js';

/**
 * Session set-up rate: whole sessions as a player makes them, each on its own TCP
 * connection: OPTIONS, DESCRIBE, SETUP of every track (TCP interleaved, so no UDP ports
 * are needed), PLAY, TEARDOWN, close. Paced mode offers sessions at a fixed rate
 * whatever the answers (open loop, so a slow server shows as latency, not as a lower
 * offered rate); closed mode runs `concurrency` loops back to back for the top rate.
 */
interface Outcome {
  readonly ok: boolean;
  readonly error?: string;
  readonly setupMs: number;
  readonly totalMs: number;
}

/** Sessions waiting for answers at most; past this a paced run stops offering (and says so). */
const MAX_IN_FLIGHT = 2_000;

export async function runSetupRate(command: SetupRateCommand): Promise<SetupRateResult> {
  const outcomes: Outcome[] = [];
  const started = performance.now();
  let attempted = 0;
  let lastDoneMs = started;
  const one = async (): Promise<void> => {
    attempted++;
    const outcome = await oneSession(command.port, command.url);
    outcomes.push(outcome);
    lastDoneMs = performance.now();
  };

  if (command.mode === 'closed') {
    const deadline = started + command.durationMs;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) await one();
    };
    await Promise.all(Array.from({ length: command.concurrency ?? 16 }, loop));
  } else {
    const rate = command.rate ?? 200;
    const total = Math.round((rate * command.durationMs) / 1000);
    const inFlight = new Set<Promise<void>>();
    let launched = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        while (launched < due && inFlight.size < MAX_IN_FLIGHT) {
          launched++;
          const p = one().finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (launched >= total || performance.now() - started > command.durationMs * 2) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 1);
      tick();
    });
    await Promise.all(inFlight);
  }

  const elapsedMs = lastDoneMs - started;
  const good = outcomes.filter((o) => o.ok);
  const errors = new Map<string, number>();
  for (const o of outcomes) if (!o.ok) errors.set(o.error!, (errors.get(o.error!) ?? 0) + 1);
  return {
    mode: command.mode,
    attempted,
    completed: good.length,
    failed: outcomes.length - good.length,
    errors: [...errors].slice(0, 5).map(([reason, n]) => `${n}× ${reason}`),
    elapsedMs,
    sessionsPerSecond: elapsedMs > 0 ? (good.length * 1000) / elapsedMs : 0,
    setupMs: percentiles(good.map((o) => o.setupMs)),
    totalMs: percentiles(good.map((o) => o.totalMs)),
    offeredPerSecond: command.mode === 'paced' ? (attempted * 1000) / Math.max(1, command.durationMs) : 0,
  };
}

async function oneSession(port: number, url: string): Promise<Outcome> {
  const t0 = performance.now();
  let connection: RtspClientConnection | null = null;
  let setupMs = 0;
  try {
    connection = await RtspClientConnection.connect(port);
    const c = connection;
    expectOk('OPTIONS', await c.request('OPTIONS', url));
    const described = expectOk('DESCRIBE', await c.request('DESCRIBE', url, [['Accept', 'application/sdp']]));
    const tracks = tracksOf(described.body.toString('utf8'), described.headers.get('Content-Base') ?? url);
    for (const [i, t] of tracks.entries()) {
      expectOk('SETUP', await c.request('SETUP', t.url, [['Transport', `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`]]));
    }
    expectOk('PLAY', await c.request('PLAY', url, [['Range', 'npt=0.000-']]));
    setupMs = performance.now() - t0;
    expectOk('TEARDOWN', await c.request('TEARDOWN', url));
    return { ok: true, setupMs, totalMs: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), setupMs, totalMs: performance.now() - t0 };
  } finally {
    connection?.close();
  }
}

function expectOk(method: string, res: RtspResponseMessage): RtspResponseMessage {
  if (res.status < 200 || res.status > 299) throw new Error(`${method}: ${res.status} ${res.reason}`);
  return res;
}
