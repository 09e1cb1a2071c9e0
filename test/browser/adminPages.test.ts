import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { adminPortOf } from '../admin/adminClient.js';
import { RtspTestClient, sleep } from '../helpers/rtspTestClient.js';
import { repoRoot, startServerProcess, type ServerProcess } from '../helpers/serverProcess.js';
import { ffmpegPath, skipUnlessFfmpeg } from '../helpers/tools.js';
import { launchChromium, skipUnlessChromium } from './chromium.js';

/**
 * Issue 7's browser proofs, in Debian's Chromium: the forced password change, a
 * playing ffmpeg client in connected users (bytes growing, then gone after its
 * TEARDOWN), max connections 0 then a 453 in the access history, an error caused on
 * purpose in the error log, and the users page "as of" a moment when the client
 * was still there; the event store's status on the snapshot, embedded, and with an
 * EventStoreDB that is down and then comes up. A screenshot of each page goes to
 * test-artifacts/.
 */
const skip = skipUnlessChromium() || skipUnlessFfmpeg();
const artifacts = path.join(repoRoot, 'test-artifacts');
const two = (n: number): string => String(n).padStart(2, '0');
const localInput = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
};

// Run in the page (whose CSP allows no string eval), so self-contained; this file is type-checked without the DOM library.
const bytesAbove = (n: number): boolean => Number((globalThis as any).document.querySelector('[data-testid=bytes-sent]')?.getAttribute('data-bytes')) > n;
const inputIs = ([name, value]: readonly [string, string]): boolean => (globalThis as any).document.querySelector(`input[name=${name}]`)?.value === value;
const pendingAbove = (n: number): boolean => Number((globalThis as any).document.querySelector('[data-testid=event-store-pending]')?.getAttribute('data-pending')) > n;

function buildAdminUi(): void {
  // The page under test is the one in this tree: build it as `npm run build` does.
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'admin-ui', '--logLevel', 'warn'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(built.status, 0, `vite build failed: ${built.stderr}`);
}

/** Logs in with the default password and changes it, as the first visit must; ends on the snapshot. */
async function firstLogin(page: Page, adminUrl: string, password: string): Promise<void> {
  await page.goto(adminUrl);
  await page.locator('input[name=password]').fill('default');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('input[name=current]').fill('default');
  await page.locator('input[name=next]').fill(password);
  await page.locator('input[name=confirm]').fill(password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Server Snapshot' }).waitFor();
}

describe('web admin in Chromium', { skip, timeout: 120_000 }, () => {
  let server: ServerProcess;
  let page: Page;
  let closeBrowser: () => Promise<void> = async () => {};
  let adminUrl = '';
  let player: ChildProcess | null = null;
  let whilePlaying = 0;
  const password = 'a-long-new-password';

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  };
  const open = async (title: string): Promise<void> => {
    await page.getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  };

  before(async () => {
    buildAdminUi();
    await mkdir(artifacts, { recursive: true });
    server = await startServerProcess({ args: ['--admin-port', '0', '--sample-interval', '1'] });
    adminUrl = `http://127.0.0.1:${adminPortOf(server)}`;
    const launched = await launchChromium();
    closeBrowser = launched.close;
    page = await launched.context.newPage();
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    player?.kill('SIGKILL');
    await closeBrowser();
    await server?.cleanup();
  });

  it('logs in with the default password from loopback and is made to change it first', async () => {
    await page.goto(adminUrl);
    await page.getByTestId('login-form').waitFor();
    await assert.doesNotReject(page.getByText('The admin password is still the default').waitFor());
    await shot('01-login');
    await page.locator('input[name=password]').fill('default');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Change the default password' }).waitFor();
    await shot('02-change-password');
    await page.locator('input[name=current]').fill('default');
    await page.locator('input[name=next]').fill(password);
    await page.locator('input[name=confirm]').fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Server Snapshot' }).waitFor();
    await page.getByTestId('snapshot').getByText('running').waitFor();
    await page.getByTestId('event-store-kind').getByText(`embedded, ${path.join(server.dataFolder, 'events')}`, { exact: true }).waitFor();
    await shot('03-snapshot');
  });

  it('shows a playing ffmpeg client with a growing byte count, and not after its TEARDOWN', async () => {
    await open('Connected Users');
    player = spawn(ffmpegPath()!, ['-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-re', '-i', server.url('sample.mp4'), '-f', 'null', '-'], { stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => player!.on('exit', (code) => resolve(code)));
    const row = page.locator('table[data-testid=users] tbody tr[data-session]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match((await row.first().textContent()) ?? '', /127\.0\.0\.1[\s\S]*TCP[\s\S]*sample\.mp4/);
    const bytes = async (): Promise<number> => Number(await row.first().getByTestId('bytes-sent').getAttribute('data-bytes'));
    await page.waitForFunction(bytesAbove, 0);
    const first = await bytes();
    whilePlaying = Date.now();
    await page.waitForFunction(bytesAbove, first);
    assert.ok((await bytes()) > first, 'the byte count grows');
    await shot('04-connected-users');
    assert.equal(await ended, 0, 'ffmpeg played to the end');
    await page.getByText('No one is connected.').waitFor();
    assert.equal(await row.count(), 0, 'gone after TEARDOWN');
    await open('Throughput');
    await page.getByTestId('throughput-chart').waitFor();
    await sleep(1200);
    await shot('05-throughput');
  });

  it('sets max connections to 0, then shows the refused client (453) in the access history', async () => {
    await open('General Settings');
    const field = page.locator('input[name=maxConnections]');
    await page.waitForFunction(inputIs, ['maxConnections', '1000'] as const);
    await field.fill('0');
    await page.getByTestId('save-settings').click();
    await page.getByTestId('save-result').getByText('Applied now: maxConnections').waitFor();
    await shot('06-general-settings');
    const client = await RtspTestClient.connect(server.port);
    const refused = await client.request('DESCRIBE', server.url('sample.mp4'));
    client.close();
    assert.equal(refused.status, 453);
    await open('Access History');
    const refusedRow = page.locator('table[data-testid=access-log] tbody tr', { hasText: '453' });
    await refusedRow.first().waitFor();
    assert.match((await refusedRow.first().textContent()) ?? '', /127\.0\.0\.1[\s\S]*\/sample\.mp4[\s\S]*453/);
    const played = page.locator('table[data-testid=access-log] tbody tr', { hasText: 'Lavf' });
    assert.equal(await played.count(), 1, 'and the played session, closed with 200');
    await shot('07-access-history');
  });

  it('follows the error log and finds, by filter, a line caused on purpose', async () => {
    await open('Error Log');
    const marker = `on-purpose-${Date.now()}`;
    const client = await RtspTestClient.connect(server.port);
    const res = await client.request('DESCRIBE', `rtsp://127.0.0.1:${server.port}/%2e%2e/${marker}.mp4`);
    client.close();
    assert.equal(res.status, 404);
    // Followed live: the line arrives without reloading the page.
    await page.getByTestId('error-log').getByText(marker).waitFor();
    await page.getByTestId('error-filter').fill(marker);
    const lines = page.locator('[data-testid=error-log] div');
    assert.equal(await lines.count(), 1);
    assert.match((await lines.first().textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: WARNING: 127\.0\.0\.1: DESCRIBE .*refused/);
    await shot('08-error-log');
  });

  it('shows log settings, the movies page with its embed snippet, and the reference movie', async () => {
    await open('Log Settings');
    await page.waitForFunction(inputIs, ['errorLogRollKB', '256'] as const);
    await shot('09-log-settings');
    await open('Movies & Web Pages');
    await page.getByTestId('embed-snippet').getByText('qtsrc=').waitFor();
    assert.match((await page.getByTestId('embed-snippet').textContent()) ?? '', /qtsrc="rtsp:\/\/127\.0\.0\.1:\d+\/sample\.mp4"/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('reference-download').click()]);
    const text = await readFile((await download.path())!, 'utf8');
    assert.equal(text, `RTSPtext\nrtsp://127.0.0.1:${server.port}/sample.mp4`);
    assert.equal(download.suggestedFilename(), 'sample-reference.mov');
    await shot('10-movies');
    await open('Playlists');
    await shot('11-playlists-placeholder');
  });

  it('shows connected users "as of" a past moment: the client that has left since', async () => {
    await open('Connected Users');
    await page.getByText('No one is connected.').waitFor();
    await page.getByTestId('as-of-input').fill(localInput(whilePlaying));
    await page.getByTestId('as-of-apply').click();
    await page.getByTestId('replay-banner').waitFor();
    const row = page.locator('table[data-testid=users] tbody tr[data-session]');
    await row.first().waitFor();
    assert.match((await row.first().textContent()) ?? '', /127\.0\.0\.1[\s\S]*sample\.mp4/);
    await shot('12-connected-users-as-of');
    await open('Server Snapshot');
    await page.getByTestId('current-connections').getByText('1', { exact: true }).waitFor();
    await shot('13-snapshot-as-of');
    await page.getByTestId('as-of-live').click();
    await page.getByTestId('current-connections').getByText('0', { exact: true }).waitFor();
  });
});

describe('event store status in Chromium', { skip: skipUnlessChromium(), timeout: 120_000 }, () => {
  const servers: ServerProcess[] = [];
  let page: Page;
  let closeBrowser: () => Promise<void> = async () => {};

  before(async () => {
    buildAdminUi();
    await mkdir(artifacts, { recursive: true });
    const launched = await launchChromium();
    closeBrowser = launched.close;
    page = await launched.context.newPage();
    page.setDefaultTimeout(15_000);
  });
  after(async () => {
    await closeBrowser();
    for (const s of servers) await s.cleanup();
  });

  it('shows EventStoreDB unreachable with events waiting, then connected with none, without reloading', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const esdbPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const edge = await startServerProcess({ args: ['--admin-port', '0', '--eventstore-url', `esdb://admin:changeit@127.0.0.1:${esdbPort}?tls=false`, '--node-id', 'edge'] });
    servers.push(edge);
    await firstLogin(page, `http://127.0.0.1:${adminPortOf(edge)}`, 'a-long-new-password');

    await page.getByTestId('event-store-kind').getByText(`EventStoreDB esdb://127.0.0.1:${esdbPort}?tls=false`, { exact: true }).waitFor();
    const state = page.getByTestId('event-store-state');
    await page.locator('[data-testid=event-store-state][data-state=unreachable]').waitFor();
    assert.match((await state.textContent()) ?? '', /unreachable\s+since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await page.waitForFunction(pendingAbove, 0);
    assert.match((await page.getByTestId('event-store-pending').textContent()) ?? '', /^[\d,]+ events$/);
    await page.locator('[data-testid=event-store-error] .error-text').waitFor();
    assert.ok(!((await page.content()).includes('changeit')), 'no password on the page');
    await page.screenshot({ path: path.join(artifacts, '14-event-store-unreachable.png'), fullPage: true });

    const shared = await startServerProcess({ args: ['--admin-port', '0', '--esdb-grpc-port', String(esdbPort), '--node-id', 'shared'] });
    servers.push(shared);
    await page.locator('[data-testid=event-store-state][data-state=connected]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=event-store-pending][data-pending="0"]').waitFor();
    assert.equal((await page.getByTestId('event-store-pending').textContent())?.trim(), '0 events');
    assert.equal((await page.getByTestId('event-store-error').textContent())?.trim(), '–');
    assert.equal((await state.textContent())?.trim(), 'connected');
    await page.screenshot({ path: path.join(artifacts, '15-event-store-connected.png'), fullPage: true });
  });
});
