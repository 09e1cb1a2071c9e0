import { access } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './packageRoot.js';

/**
 * "Start at system startup" on Linux is systemd's job: a unit file in
 * /etc/systemd/system, enabled with systemctl. The server cannot (and, not being
 * root, should not) install it itself; it prints the unit and tells whether one is
 * installed and enabled.
 */
export const UNIT_NAME = 'streamhouse.service';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
const WANTS_LINK = `/etc/systemd/system/multi-user.target.wants/${UNIT_NAME}`;

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1').replace(/%/g, '%%')}"`;
}

/** A unit that runs the built server with these arguments (absolute paths are best). */
export function systemdUnit(args: readonly string[], options: { workingDirectory?: string; user?: string } = {}): string {
  const root = packageRoot();
  const exec = [process.execPath, path.join(root, 'dist', 'adapters', 'cli', 'streamhouse.js'), ...args].map(quote).join(' ');
  return [
    '[Unit]',
    'Description=Streamhouse streaming server (RTSP/RTP, web admin on port 1220)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    `WorkingDirectory=${quote(options.workingDirectory ?? process.cwd())}`,
    ...(options.user ? [`User=${options.user}`] : []),
    '# RTSP on 554 (and 80) without running as root:',
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'Restart=on-failure',
    'RestartSec=2',
    '# SIGTERM closes sessions and records the shutdown in the logs.',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export interface StartupStatus {
  readonly unitPath: string;
  readonly installed: boolean;
  readonly enabled: boolean;
  readonly instructions: string;
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

export async function startupStatus(): Promise<StartupStatus> {
  return {
    unitPath: UNIT_PATH,
    installed: await exists(UNIT_PATH),
    enabled: await exists(WANTS_LINK),
    instructions: [
      `streamhouse systemd-unit --movies /srv/movies --data /var/lib/streamhouse | sudo tee ${UNIT_PATH}`,
      'sudo systemctl daemon-reload',
      `sudo systemctl enable --now ${UNIT_NAME}    # start now and at every boot`,
      `sudo systemctl disable ${UNIT_NAME}         # no longer at boot`,
    ].join('\n'),
  };
}
