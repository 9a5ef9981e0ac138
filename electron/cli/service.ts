// `shotgun-events service print|install --config FILE [--user]`: run the daemon as a service.
// Linux: a systemd unit (Restart=on-failure, stopped with SIGTERM, which the daemon handles by
// finishing in-flight callbacks and saving its state). macOS: a launchd plist. Windows has no
// unit file: docs/migrating.md shows NSSM / sc.exe.

import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { loadConfig } from '../engine/config.js';

type Kind = 'systemd' | 'launchd';

interface ServiceOptions {
  config: string;
  user?: boolean;
  kind?: Kind;
  name: string;
}

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));

/** Quotes one argument for a systemd ExecStart= line. */
function sdQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function systemdUnit(configFile: string, o: { user: boolean; name: string }): string {
  const argv = [process.execPath, CLI, 'run', '--config', configFile];
  return [
    '[Unit]',
    `Description=Shotgun Events daemon (${o.name}): ShotGrid event plugins`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${argv.map(sdQuote).join(' ')}`,
    `WorkingDirectory=${path.dirname(configFile)}`,
    'Restart=on-failure',
    'RestartSec=5',
    // The daemon stops on SIGTERM: it lets in-flight callbacks finish and saves its cursors.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'Environment=NODE_ENV=production',
    '',
    '[Install]',
    `WantedBy=${o.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}

export function launchdPlist(configFile: string, o: { name: string }): string {
  const args = [process.execPath, CLI, 'run', '--config', configFile].map((a) => `    <string>${xml(a)}</string>`).join('\n');
  const logDir = path.dirname(configFile);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>com.shotgunevents.${xml(o.name)}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>WorkingDirectory</key>
  <string>${xml(logDir)}</string>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ExitTimeOut</key>
  <integer>30</integer>
  <key>StandardOutPath</key>
  <string>${xml(path.join(logDir, `${o.name}.out.log`))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(path.join(logDir, `${o.name}.err.log`))}</string>
</dict>
</plist>
`;
}

function render(o: ServiceOptions): { kind: Kind; text: string; target: string } {
  const configFile = path.resolve(o.config);
  loadConfig(configFile); // a unit for a config that does not load would only fail later, at boot
  const kind: Kind = o.kind ?? (process.platform === 'darwin' ? 'launchd' : 'systemd');
  if (!/^[A-Za-z0-9_.@-]+$/.test(o.name)) throw new Error(`--name: use letters, digits, '.', '_', '-' or '@' only, got '${o.name}'`);
  if (kind === 'launchd') {
    const dir = o.user ? path.join(homedir(), 'Library/LaunchAgents') : '/Library/LaunchDaemons';
    return { kind, text: launchdPlist(configFile, o), target: path.join(dir, `com.shotgunevents.${o.name}.plist`) };
  }
  const dir = o.user ? path.join(homedir(), '.config/systemd/user') : '/etc/systemd/system';
  return { kind, text: systemdUnit(configFile, { user: o.user === true, name: o.name }), target: path.join(dir, `${o.name}.service`) };
}

export function serviceCommand(): Command {
  const common = (c: Command) =>
    c
      .requiredOption('-c, --config <file>', 'the daemon config the service runs with')
      .option('--user', 'a per-user service (systemd --user, ~/Library/LaunchAgents) instead of a system one')
      .addOption(new Option('--kind <kind>', 'unit format (default: launchd on macOS, systemd elsewhere)').choices(['systemd', 'launchd']))
      .option('--name <name>', 'service name', 'shotgun-events');
  const cmd = new Command('service').description('run the daemon as a system service (systemd, launchd; Windows: see docs/migrating.md)');
  cmd.addCommand(
    common(new Command('print').description('write the unit file to stdout')).action((o: ServiceOptions) => {
      process.stdout.write(render(o).text);
    }),
  );
  cmd.addCommand(
    common(new Command('install').description('write the unit file where the service manager reads it, and say how to start it')).action(
      (o: ServiceOptions) => {
        if (process.platform === 'win32') throw new Error('on Windows, install the service with NSSM or sc.exe: see docs/migrating.md');
        const r = render(o);
        mkdirSync(path.dirname(r.target), { recursive: true });
        writeFileSync(r.target, r.text);
        const out = (s: string) => process.stdout.write(`${s}\n`);
        out(`wrote ${r.target}`);
        if (r.kind === 'systemd') {
          const ctl = o.user ? 'systemctl --user' : 'systemctl';
          out(`start it with: ${ctl} daemon-reload && ${ctl} enable --now ${o.name}.service`);
        } else {
          out(`start it with: launchctl load -w ${r.target}`);
        }
      },
    ),
  );
  return cmd;
}
