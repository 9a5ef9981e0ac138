// `shotgun-events service print|install` through the real CLI (dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from '../daemon/harness.js';

let dir: string;
let conf: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sge service '));
  conf = path.join(dir, 'shotgunEventDaemon.conf');
  writeFileSync(conf, `[shotgun]\nserver = http://127.0.0.1:9\nname = daemon\nkey = k\n[plugins]\npaths = ${dir}\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('service', () => {
  it('print writes a systemd unit that runs this config, restarts on failure and stops with SIGTERM', () => {
    const r = cli(['service', 'print', '--config', conf, '--kind', 'systemd']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The config path has a space: ExecStart quotes it.
    expect(r.stdout).toContain(`ExecStart=${process.execPath} ${CLI} run --config "${conf}"`);
    expect(r.stdout).toMatch(/^Restart=on-failure$/m);
    expect(r.stdout).toMatch(/^KillSignal=SIGTERM$/m);
    expect(r.stdout).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(cli(['service', 'print', '--config', conf, '--kind', 'systemd', '--user']).stdout).toMatch(/^WantedBy=default\.target$/m);
  });

  it.skipIf(!hasSystemdAnalyze)('print output passes systemd-analyze verify (skipped where systemd-analyze is absent)', () => {
    const unit = path.join(dir, 'shotgun-events.service');
    writeFileSync(unit, cli(['service', 'print', '--config', conf, '--kind', 'systemd']).stdout);
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/shotgun-events\.service/);
    expect(r.status).toBe(0);
  });

  it('print --kind launchd writes a plist that runs this config and restarts it when it fails', () => {
    const r = cli(['service', 'print', '--config', conf, '--kind', 'launchd']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`<string>${conf}</string>`);
    expect(r.stdout).toMatch(/<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
    // Well-formed XML, checked by python3's parser.
    execFileSync(
      'python3',
      ['-c', 'import sys, plistlib; d = plistlib.loads(sys.stdin.buffer.read()); assert d["ProgramArguments"][-1] == sys.argv[1], d', conf],
      { input: r.stdout },
    );
  });

  it('install --user writes the unit under the user folder and says how to start it', () => {
    const home = path.join(dir, 'home');
    const r = cli(['service', 'install', '--config', conf, '--user', '--kind', 'systemd', '--name', 'sge-test'], { HOME: home });
    expect(r.stderr).toBe('');
    const unit = path.join(home, '.config/systemd/user/sge-test.service');
    expect(existsSync(unit)).toBe(true);
    expect(readFileSync(unit, 'utf8')).toContain(`run --config "${conf}"`);
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now sge-test.service');
  });

  it('refuses a config that does not load, naming it', () => {
    const r = cli(['service', 'print', '--config', path.join(dir, 'missing.conf')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing\.conf: no such file/);
  });
});
