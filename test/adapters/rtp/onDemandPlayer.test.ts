import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnDemandPlayer, TCP_PUMP_INTERVAL_MS } from '../../../adapters/rtp/onDemandPlayer.js';
import type { PlayerCursor, PlayTiming } from '../../../adapters/rtp/playerCursor.js';
import type { MovieFileReader } from '../../../adapters/files/movieFileReader.js';

/** A cursor that records the horizon of each pump and stalls as told. */
function fakeCursor(transport: 'UDP' | 'TCP', stallPlan: boolean[]) {
  const horizons: number[] = [];
  const cursor = {
    stalled: false,
    sender: { sink: { transport, writable: () => true }, maybeReport: () => {}, sendBye: () => {} },
    syncPointAtOrBefore: () => null,
    seek: () => {},
    setEnd: () => {},
    pump(nowMs: number, _timing: PlayTiming): boolean {
      horizons.push(nowMs);
      cursor.stalled = stallPlan.shift() ?? false;
      return false;
    },
  };
  return { cursor: cursor as unknown as PlayerCursor, horizons };
}

/** Ticks of the scheduler (every 5 ms) at which the player pumped the cursor. */
function pumpTicks(player: OnDemandPlayer, horizons: number[], untilMs: number): number[] {
  const ticks: number[] = [];
  for (let t = 0; t <= untilMs; t += 5) {
    const before = horizons.length;
    player.pump(t);
    if (horizons.length > before) ticks.push(t);
  }
  return ticks;
}

const reader = {} as MovieFileReader;

test('an all-TCP session is pumped once per interval, sending up to the next pump', () => {
  const { cursor, horizons } = fakeCursor('TCP', []);
  const player = new OnDemandPlayer([cursor], reader);
  player.start(0);
  const ticks = pumpTicks(player, horizons, 200);
  assert.ok(ticks.length >= 2 && ticks.length <= 3, `pumped at ${ticks.join(', ')}`);
  assert.ok(ticks[1]! - ticks[0]! >= TCP_PUMP_INTERVAL_MS * 0.75);
  // Each pump sends what falls due before the next one.
  assert.ok(horizons[0]! >= ticks[1]! - 5, `horizon ${horizons[0]} reaches the next pump at ${ticks[1]}`);
});

test('a TCP cursor that stalls (bytes not loaded yet) is retried on the next tick, not an interval later', () => {
  const { cursor, horizons } = fakeCursor('TCP', [true, true, false]);
  const player = new OnDemandPlayer([cursor], reader);
  player.start(0);
  assert.deepEqual(pumpTicks(player, horizons, 20), [0, 5, 10], 'after the stall clears it waits for the interval');
});

test('a session with a UDP track is pumped every tick', () => {
  const { cursor, horizons } = fakeCursor('UDP', []);
  const player = new OnDemandPlayer([cursor], reader);
  player.start(0);
  assert.equal(pumpTicks(player, horizons, 50).length, 11);
});
