import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../helpers/serverProcess.js';

/** The CLI refuses bad settings with one line naming the setting and exit code 2. */
function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'adapters', 'cli', 'streamhouse.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('streamhouse CLI', () => {
  it('prints help', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--rtsp-port <n>/);
    assert.match(result.stdout, /--movies <dir>/);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--rtsp-port', 'eighty'], /setting rtspPorts: expected a whole number/],
    [['--rtsp-port', '70000'], /setting rtspPorts\.0: /],
    [['--rtp-port', '6971'], /setting rtpPort: must be even/],
    [['--session-timeout', '0'], /setting sessionTimeoutSeconds: /],
    [['--node-id', 'a b'], /setting nodeId: /],
    [['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')}`, () => {
      const result = run(args);
      assert.equal(result.status, 2, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, message);
    });
  }

  it('refuses a config file that is not JSON, and a bad value in one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'streamhouse-cli-'));
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ rtspPorts: [');
    const result = run(['--config', broken]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^streamhouse: config .*broken\.json: /);
    const wrong = path.join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ maxPayloadBytes: 10 }));
    const second = run(['--config', wrong]);
    assert.equal(second.status, 2);
    assert.match(second.stderr, /setting maxPayloadBytes: /);
  });
});
