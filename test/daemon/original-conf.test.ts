// The original daemon's shotgunEventDaemon.conf runs unchanged: every key of the upstream
// example (src/shotgunEventDaemon.conf.example @ 092b48a), in its syntax (`key: value`
// and `key = value` mixed, an empty `proxy_server:`, commented-out keys, %(ENV)s
// interpolation for the site), with only the site-specific values filled in: the folders,
// the SG_ED_* environment variables, and `[emails] enabled: False`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_SCRIPT, makeSite, recorderPlugin, type Site } from './harness.js';
import { cursorsReach, ids, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

function originalConf(dir: string, timingLog: 'on' | 'off'): string {
  return `[daemon]
# General daemon operational settings

# Where the daemon stores its process id.
pidFile: ${dir}/run/shotgunEventDaemon.pid

# Where the daemon stores the id of the last processed event.
eventIdFile: ${dir}/state/shotgunEventDaemon.id

# 0 = all log messages in the main log file; 1 = one main file for the engine, one per plugin
logMode: 1

logPath: ${dir}/log

logFile: shotgunEventDaemon

# 10 debug, 20 info, 30 warning, 40 error, 50 critical
logging: 20

# timing_log: on
timing_log: ${timingLog}

conn_retry_sleep = 60

max_conn_retries = 5

fetch_interval = 5

max_event_batch_size = 500


[shotgun]
server: %(SG_ED_SITE_URL)s

name: %(SG_ED_SCRIPT_NAME)s

key: %(SG_ED_API_KEY)s

proxy_server:

use_session_uuid: True


[plugins]
paths: ${dir}/plugins


[emails]
enabled: False

server: smtp.yourdomain.com
#port: 587
#useTLS: True
#username: %(SG_ED_EMAIL_USERNAME)s
#password: %(SG_ED_EMAIL_PASSWORD)s

from: support@yourdomain.com

to: you@yourdomain.com

subject: [SG]
`;
}

describe('the original shotgunEventDaemon.conf', () => {
  it('passes check, runs, and with timing_log on writes one <logFile>.timing line per callback', async () => {
    site = await makeSite();
    const env = { SG_ED_SITE_URL: site.sandbox.url, SG_ED_SCRIPT_NAME: ENGINE_SCRIPT.name, SG_ED_API_KEY: ENGINE_SCRIPT.key };
    const conf = site.configPath; // the harness runs `run --config` with this file
    writeFileSync(conf, originalConf(site.dir, 'off'));
    site.writePlugin('rec.mjs', recorderPlugin(site.recordsDir, 'rec', { body: "ctx.logger.info('got ' + event.id);" }));

    const check = await site.cli(['check', '--config', conf], env);
    expect(check.stdout).toBe(
      `config ${conf}: ok\n` +
        `site ${site.sandbox.url} as script ${ENGINE_SCRIPT.name}: ok (newest event ${site.sandbox.store.lastEventId})\n` +
        `plugin rec (${site.pluginsDir}/rec.mjs): 1 callback(s)\n` +
        `  - record as script plugins; stopOnError=true; timeout 300 s\n` +
        `    matches: every event\n` +
        `script plugins (used by rec.record): ok\n` +
        `state ${site.dir}/state/shotgunEventDaemon.id.json: none yet (the first start begins at the newest event)\n` +
        `all good\n`,
    );
    expect(check.code).toBe(0);

    // run starts (first start: at the newest event) and stops cleanly; logMode 1 files.
    const log = path.join(site.dir, 'log');
    let d = site.run([], env);
    await d.waitFor(/INFO:engine:Polling every event type\./);
    expect(await d.stop()).toBe(0);
    expect(readFileSync(path.join(log, 'shotgunEventDaemon'), 'utf8')).toMatch(/ - engine - INFO - Shotgun Events engine starting: site /);
    expect(existsSync(path.join(log, 'shotgunEventDaemon.timing'))).toBe(false);

    // timing_log: on. Events written while it was down are read by the first poll (no
    // fetch_interval wait), and each callback run writes one timing line.
    writeFileSync(conf, originalConf(site.dir, 'on'));
    const shot = await shotId(site);
    const before = site.sandbox.store.lastEventId;
    for (let i = 0; i < 3; i++) await site.sg.update('Shot', shot, { sg_cut_in: 500 + i });
    const all = [before + 1, before + 2, before + 3];
    d = site.run([], env);
    await cursorsReach(site, ['rec'], before + 3, 15_000, path.join(site.dir, 'state/shotgunEventDaemon.id.json'));
    expect(await d.stop()).toBe(0);
    expect(ids(site, 'rec')).toEqual(all);
    const timing = readFileSync(path.join(log, 'shotgunEventDaemon.timing'), 'utf8').trimEnd().split('\n');
    const time = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}[+-]\\d\\d:\\d\\d';
    const duration = '\\d\\d:\\d\\d:\\d\\d:\\d\\d\\.\\d{6}';
    expect(timing).toHaveLength(3);
    timing.forEach((line, i) => {
      expect(line).toMatch(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} - timing - INFO - event_id=${all[i]} created_at=${time} callback=rec\\.record ` +
            `start=${time} end=${time} duration=${duration} error=False delay=${duration}$`,
        ),
      );
    });
    // logMode 1: the plugin's lines go to its own file, not the engine's.
    expect(readFileSync(path.join(log, 'plugin.rec'), 'utf8')).toMatch(new RegExp(`- plugin\\.rec\\.record - INFO - got ${all[2]}\n`));
    expect(readFileSync(path.join(log, 'shotgunEventDaemon'), 'utf8')).not.toContain(`got ${all[0]}`);
  });
});
