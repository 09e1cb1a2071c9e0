import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureThrottle } from '../../../domain/auth/failureThrottle.js';

describe('failure throttle', () => {
  const options = { delayAfter: 3, baseDelayMs: 100, maxDelayMs: 400, blockAfter: 6, blockMs: 1000, windowMs: 5000, maxAddresses: 3 };

  it('allows, then delays with doubling, then blocks, then blocks again on the next failure', () => {
    const throttle = new FailureThrottle(options);
    const a = '198.51.100.1';
    const verdicts = [1, 2, 3, 4, 5, 6].map((i) => throttle.recordFailure(a, i));
    assert.deepEqual(verdicts, [
      { verdict: 'allow', delayMs: 0 },
      { verdict: 'allow', delayMs: 0 },
      { verdict: 'delay', delayMs: 100 },
      { verdict: 'delay', delayMs: 200 },
      { verdict: 'delay', delayMs: 400 },
      { verdict: 'block', retryAfterMs: 1000 },
    ]);
    assert.deepEqual(throttle.check(a, 500), { verdict: 'block', retryAfterMs: 506 });
    assert.deepEqual(throttle.recordFailure(a, 600), { verdict: 'block', retryAfterMs: 406 }, 'failures while blocked do not extend or count');
    assert.deepEqual(throttle.check(a, 1006), { verdict: 'delay', delayMs: 400 }, 'block served; still suspicious');
    assert.deepEqual(throttle.recordFailure(a, 1100), { verdict: 'block', retryAfterMs: 1000 });
    assert.deepEqual(throttle.check('198.51.100.2', 1100), { verdict: 'allow', delayMs: 0 }, 'other addresses are not affected');
  });

  it('forgets after a quiet period and on success', () => {
    const throttle = new FailureThrottle(options);
    for (let i = 0; i < 4; i++) throttle.recordFailure('a', i);
    assert.equal(throttle.check('a', 10).verdict, 'delay');
    assert.equal(throttle.check('a', 5004).verdict, 'allow');
    for (let i = 0; i < 4; i++) throttle.recordFailure('b', i);
    throttle.recordSuccess('b');
    assert.equal(throttle.check('b', 5).verdict, 'allow');
  });

  it('keeps bounded memory, forgetting the least recently failing address', () => {
    const throttle = new FailureThrottle(options);
    for (const address of ['a', 'b', 'c', 'd']) for (let i = 0; i < 3; i++) throttle.recordFailure(address, i);
    assert.equal(throttle.trackedAddresses, 3);
    assert.equal(throttle.check('a', 10).verdict, 'allow');
    assert.equal(throttle.check('d', 10).verdict, 'delay');
  });

  it('refuses inconsistent options', () => {
    assert.throws(() => new FailureThrottle({ delayAfter: 5, blockAfter: 2 }), RangeError);
  });
});
