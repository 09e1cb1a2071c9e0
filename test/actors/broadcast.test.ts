import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
import { broadcastMachine } from '../../actors/broadcast/broadcastMachine.js';
import { validateEvent } from '../../domain/events/catalogue.js';
import type { BroadcastEvent } from '../../domain/events/broadcastEvents.js';
import { sleep } from '../helpers/rtspTestClient.js';

function start(keepReadersOnLoss: boolean, graceMs = 30) {
  const recorded: BroadcastEvent[] = [];
  const calls: string[] = [];
  const actor = createActor(
    broadcastMachine.provide({
      actions: {
        record: (_, event) => void recorded.push(event),
        sayBye: () => void calls.push('bye'),
        endHub: () => void calls.push('end'),
      },
    }),
    { input: { path: 'live.sdp', graceMs, keepReadersOnLoss } },
  );
  actor.start();
  return { actor, recorded, calls };
}

describe('broadcast actor', () => {
  it('goes live, loses its source, resumes, and ends when the publisher leaves', () => {
    const { actor, recorded, calls } = start(true);
    assert.equal(actor.getSnapshot().value, 'waiting');
    actor.send({ type: 'PACKETS', total: 10 });
    assert.equal(actor.getSnapshot().value, 'live');
    actor.send({ type: 'READERS', readers: 3, packetsIn: 10, dropped: 0 });
    actor.send({ type: 'READERS', readers: 3, packetsIn: 20, dropped: 0 });
    actor.send({ type: 'SILENT', forMs: 2000 });
    assert.equal(actor.getSnapshot().value, 'lost');
    actor.send({ type: 'PACKETS', total: 30 });
    assert.equal(actor.getSnapshot().value, 'live');
    actor.send({ type: 'GONE', reason: 'publisher-left' });
    assert.equal(actor.getSnapshot().status, 'done');
    assert.deepEqual(calls, ['bye', 'end']);
    assert.deepEqual(
      recorded.map((e) => e.type),
      ['BroadcastStarted', 'BroadcastReadersSampled', 'BroadcastSourceLost', 'BroadcastResumed', 'BroadcastEnded'],
    );
    for (const e of recorded) validateEvent(e.type, e.data);
    const ended = recorded.at(-1)!;
    assert.ok(ended.type === 'BroadcastEnded' && ended.data.reason === 'publisher-left' && ended.data.packetsIn === 30);
  });

  it('ends readers after the grace period when the source stays lost', async () => {
    const { actor, recorded } = start(false, 30);
    actor.send({ type: 'PACKETS', total: 1 });
    actor.send({ type: 'SILENT', forMs: 1000 });
    await sleep(80);
    assert.equal(actor.getSnapshot().status, 'done');
    const ended = recorded.at(-1)!;
    assert.ok(ended.type === 'BroadcastEnded' && ended.data.reason === 'source-lost');
  });

  it('keeps readers through a loss when settings say so', async () => {
    const { actor } = start(true, 30);
    actor.send({ type: 'PACKETS', total: 1 });
    actor.send({ type: 'SILENT', forMs: 1000 });
    await sleep(80);
    assert.equal(actor.getSnapshot().value, 'lost');
    actor.stop();
  });
});
