import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, type EngineConfig } from '../../electron/engine/config.js';
import { configPath } from '../../electron/demo/prepare.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

// The upstream src/shotgunEventDaemon.conf.example (master, 2025): the same
// sections, keys, values, separators (a mix of ':' and '='), blank lines and
// commented-out keys; comments abridged. Real files are copies of this.
const ORIGINAL_EXAMPLE = `[daemon]
# General daemon operational settings

# Where the daemon stores its process id.
pidFile: /var/log/shotgunEventDaemon/shotgunEventDaemon.pid

# Where the daemon stores the id of the last processed event. Remove it to
# ignore the events since the last shutdown.
eventIdFile: /var/log/shotgunEventDaemon/shotgunEventDaemon.id

# The logging mode to operate in:
# 0 = all log message in the main log file
# 1 = one main file for the engine, one file per plugin
logMode: 1

# The path where to put log files
logPath: /var/log/shotgunEventDaemon

# The name of the daemon log file (10 files, rotated at midnight)
logFile: shotgunEventDaemon

# The logging level:
# - 10 - Debug
# - 20 - Info
# - 30 - Warnings
# - 40 - Error
# - 50 - Critical
logging: 20

# Enable Timing logging: \`on\` to enable, anything else to disable.
# timing_log: on
timing_log: off

# If the connection to shotgun fails, number of seconds to wait until we retry.
conn_retry_sleep = 60

# Number of times to retry connection before logging an error level message
max_conn_retries = 5

# Number of seconds to wait before requesting new events after each batch
fetch_interval = 5

# Maimum number of events to fetch at once.
max_event_batch_size = 500


[shotgun]
# Shotgun connection options for the daemon

# The Shotgun url the event processing framework should connect to.
server: %(SG_ED_SITE_URL)s

# The Shotgun script name the framework should connect with.
name: %(SG_ED_SCRIPT_NAME)s

# The Shotgun api key the framework should connect with.
key: %(SG_ED_API_KEY)s

# The address of the proxy server, in the format 111.222.333.444:8080.
# Leave this empty if you don't have a proxy server.
proxy_server:

# Propagate each event's session_uuid to the events plugins generate.
#
# Shotgun server v2.3+ required.
# Shotgun API v3.0.5+ required
use_session_uuid: True


[plugins]
# Plugin related settings

# A comma delimited list of paths where the framework should look for plugins to
# load.
paths: /usr/local/shotgun/plugins


[emails]
# Email notification settings, for errors (level 40 and up).
#
# All of these value must be provided for there to be email alerts sent out.

enabled: True

# The smtp server. Uncomment the credentials, port (e.g. 587) and useTLS
# (a True/False value) as needed.
server: smtp.yourdomain.com
#port: 587
#useTLS: True
#username: %(SG_ED_EMAIL_USERNAME)s
#password: %(SG_ED_EMAIL_PASSWORD)s

# The from address that should be used in emails.
from: support@yourdomain.com

# A comma delimited list of email addresses to whom these alerts should be sent.
to: you@yourdomain.com

# An email subject prefix to help mail clients sort the alerts.
subject: [SG]
`;

// An older upstream revision: literal credentials, 'proxy_server: ' with a
// trailing space, no [emails] enabled, empty e-mail keys, a [sentry] section.
const OLDER_EXAMPLE = `[daemon]
pidFile: /var/log/shotgunEventDaemon/shotgunEventDaemon.pid
eventIdFile: /var/log/shotgunEventDaemon/shotgunEventDaemon.id
logMode: 1
logPath: /var/log/shotgunEventDaemon
logFile: shotgunEventDaemon
logging: 20
timing_log: off
conn_retry_sleep = 60
max_conn_retries = 5
fetch_interval = 5
max_event_batch_size = 500

[shotgun]
server: https://yoursite.shotgunstudio.com
name: shotgunEventDaemon
key: 841c9a51bf45e1872c3e5f2435dade67458bc858
proxy_server: \nuse_session_uuid: True

[plugins]
paths: /usr/local/shotgun/plugins

[emails]
server:
#port: 587
from:
to:
subject:

[sentry]
sentry_dsn:
`;

const SITE_ENV = {
  SG_ED_SITE_URL: 'https://mystudio.shotgrid.autodesk.com/',
  SG_ED_SCRIPT_NAME: 'shotgunEventDaemon',
  SG_ED_API_KEY: 's3cr3t%key',
};

const FILE = '/etc/shotgun/shotgunEventDaemon.conf';
const parse = (text: string, env: NodeJS.ProcessEnv = {}): EngineConfig => parseConfig(text, { path: FILE, env });
const daemon = (body: string, env: NodeJS.ProcessEnv = {}) => parse(`[daemon]\n${body}\n`, env).daemon;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('the original shotgunEventDaemon.conf.example', () => {
  it('parses verbatim, with the SG_ED_* variables set', () => {
    const c = parse(ORIGINAL_EXAMPLE, SITE_ENV);
    expect(c.warnings).toEqual([]);
    expect(c.path).toBe(FILE);
    expect(c.daemon).toEqual({
      pidFile: '/var/log/shotgunEventDaemon/shotgunEventDaemon.pid',
      eventIdFile: '/var/log/shotgunEventDaemon/shotgunEventDaemon.id',
      // The original's pickle stays untouched beside our JSON state.
      stateFile: '/var/log/shotgunEventDaemon/shotgunEventDaemon.id.json',
      logMode: 1,
      logPath: '/var/log/shotgunEventDaemon',
      logFile: '/var/log/shotgunEventDaemon/shotgunEventDaemon',
      logLevel: 'info',
      logLevelValue: 20,
      timingLog: false,
      connRetrySleepMs: 60_000,
      maxConnRetries: 5,
      fetchIntervalMs: 5000,
      maxEventBatchSize: 500,
      backlogTimeoutMs: 300_000,
      retryBackoffMs: [1000, 5000, 30_000, 120_000],
      callbackTimeoutMs: 300_000,
      ignoreOwnEvents: false,
      pluginBufferLimitMb: 512,
    });
    expect(c.shotgun).toEqual({
      server: 'https://mystudio.shotgrid.autodesk.com', // trailing slash dropped
      name: 'shotgunEventDaemon',
      key: 's3cr3t%key', // env values are literal: the original choked on this '%'
      proxyServer: null,
      useSessionUuid: true,
      apiVersion: 'v1.1',
      timeoutMs: 60_000,
    });
    expect(c.plugins).toEqual({ paths: ['/usr/local/shotgun/plugins'], python: 'python3' });
    expect(c.emails).toEqual({
      server: 'smtp.yourdomain.com',
      port: 25,
      from: 'support@yourdomain.com',
      to: ['you@yourdomain.com'],
      subject: '[SG]', // a value that looks like a section header
      useTls: false,
      username: null,
      password: null,
    });
  });

  it('without SG_ED_SITE_URL, names the key and the variable', () => {
    const err = configError(() => parse(ORIGINAL_EXAMPLE, {}));
    expect(err.message).toBe(
      '[shotgun] server: environment variable SG_ED_SITE_URL is not set ' +
        `(and %(SG_ED_SITE_URL)s is not a key of this section either) (in ${FILE}:51)`,
    );
    expect(err).toMatchObject({ section: 'shotgun', key: 'server', line: 51, file: FILE });
  });

  it('with SG_ED_SITE_URL set but empty, runs on the sandbox (shotgun = null)', () => {
    const c = parse(ORIGINAL_EXAMPLE, { SG_ED_SITE_URL: '' });
    expect(c.shotgun).toBeNull();
  });

  it('parses an older revision, warning about what it ignores', () => {
    const c = parse(OLDER_EXAMPLE);
    expect(c.shotgun).toEqual({
      server: 'https://yoursite.shotgunstudio.com',
      name: 'shotgunEventDaemon',
      key: '841c9a51bf45e1872c3e5f2435dade67458bc858',
      proxyServer: null,
      useSessionUuid: true,
      apiVersion: 'v1.1',
      timeoutMs: 60_000,
    });
    expect(c.emails).toBeNull();
    expect(c.warnings).toEqual([
      `unknown section [sentry] (in ${FILE}:31), ignored`,
      '[emails] has settings but no `enabled = true`; e-mail alerts are off',
    ]);
  });
});

describe('environment variables', () => {
  it('are used only where a value names them (the original leaked every variable into every key)', () => {
    // With configparser(defaults=os.environ), USERNAME filled [emails] username
    // and LOGPATH would have filled [daemon] logPath.
    const c = parse('[emails]\nenabled = yes\nserver = smtp.x\nfrom = a@x\nto = b@x\n[daemon]\n', {
      USERNAME: 'jdoe',
      PASSWORD: 'p',
      LOGPATH: '/tmp/evil',
      PIDFILE: '/tmp/pid',
    });
    expect(c.emails?.username).toBeNull();
    expect(c.emails?.password).toBeNull();
    expect(c.daemon.logPath).toBeNull();
    expect(c.daemon.pidFile).toBeNull();
  });

  it('supports ${VAR}, and $${ for a literal ${', () => {
    const c = parse('[emails]\nenabled = on\nserver = ${SMTP}:x\nfrom = a@x\nto = b@x\nsubject = $${X} costs $5\n', {
      SMTP: 'mail.example.com',
    });
    expect(c.emails?.server).toBe('mail.example.com:x');
    expect(c.emails?.subject).toBe('${X} costs $5');
  });

  it('an unset ${VAR} names the key and the variable', () => {
    const err = configError(() => parse('[shotgun]\nserver = ${SITE}\n'));
    expect(err.message).toBe(`[shotgun] server: environment variable SITE is not set (referenced as \${SITE}) (in ${FILE}:2)`);
  });

  it('rejects a malformed ${...}', () => {
    expect(configError(() => parse('[shotgun]\nserver = ${SITE-URL}\n')).message).toMatch(
      /\[shotgun\] server: bad \$\{...\} reference '\$\{SITE-URL\}'/,
    );
  });

  it('%(name)s finds keys of the same section first, then [DEFAULT], then the environment', () => {
    const text = [
      '[DEFAULT]',
      'root = /srv/sg',
      '[daemon]',
      'logPath = %(root)s/logs',
      'pidFile = %(logpath)s/daemon.pid', // key names are case-insensitive here too
      'eventIdFile = %(HOME)s/state',
      'logFile = 100%% %(root)s',
    ].join('\n');
    const d = daemon('', {}); // sanity: defaults
    expect(d.logPath).toBeNull();
    const c = parse(text, { HOME: '/home/td', ROOT: '/not/used' });
    expect(c.daemon.logPath).toBe('/srv/sg/logs');
    expect(c.daemon.pidFile).toBe('/srv/sg/logs/daemon.pid');
    expect(c.daemon.eventIdFile).toBe('/home/td/state');
    expect(c.daemon.logFile).toBe('/srv/sg/logs/100% /srv/sg');
  });

  it('%(var)s matches an environment variable case-insensitively, as configparser did', () => {
    expect(parse('[shotgun]\nserver = %(sg_ed_site_url)s\nname = n\nkey = k\n', SITE_ENV).shotgun?.server).toBe(
      'https://mystudio.shotgrid.autodesk.com',
    );
  });

  it('rejects a stray % in a key that is read, and ignores it in one that is not', () => {
    expect(configError(() => daemon('logFile = 50%off')).message).toMatch(
      /^\[daemon\] logFile: '%' must be followed by '%' or '\(name\)s', found '%off' \(write %% for a literal %\)/,
    );
    const c = parse('[daemon]\nnot_a_key = 50%off\n');
    expect(c.warnings).toEqual([`unknown key [daemon] not_a_key (in ${FILE}:2), ignored`]);
  });

  it('reports a reference loop', () => {
    expect(configError(() => daemon('logFile = %(logfile)s')).message).toMatch(/nest more than 10 deep/);
  });
});

describe('configparser syntax', () => {
  it('accepts = and :, splitting at the first one', () => {
    const c = parse('[shotgun]\nserver: https://a.example.com:8443\nname = a:b\nkey: c=d\n');
    expect(c.shotgun).toMatchObject({ server: 'https://a.example.com:8443', name: 'a:b', key: 'c=d' });
  });

  it('has case-insensitive keys and sections', () => {
    const d = parse('[Daemon]\nLOGMODE = 0\nFetch_Interval: 0.5\nlogmode_x = 1\n').daemon;
    expect(d.logMode).toBe(0);
    expect(d.fetchIntervalMs).toBe(500);
  });

  it('skips # and ; comment lines, indented too, and keeps ; and # inside values', () => {
    const c = parse(
      '# top\n; top\n[emails]\n  # indented\n  ; indented\nenabled = true\nserver = smtp.x\nfrom = a@x\nto = b@x\n' +
        'subject = [SG] ; #alerts\npassword = ab;cd#ef\n',
    );
    expect(c.emails?.subject).toBe('[SG] ; #alerts');
    expect(c.emails?.password).toBe('ab;cd#ef');
  });

  it('joins indented continuation lines, across blank and comment lines', () => {
    const c = parse('[plugins]\npaths = /a,\n    /b,\n\n    # a comment\n    /c\n[daemon]\nlogMode = 0\n');
    expect(c.plugins.paths).toEqual(['/a', '/b', '/c']);
    expect(c.daemon.logMode).toBe(0);
  });

  it('also takes one path per continuation line without commas', () => {
    expect(parse('[plugins]\npaths =\n  /a\n  /b\n').plugins.paths).toEqual(['/a', '/b']);
  });

  it('handles CRLF line endings and a UTF-8 BOM', () => {
    const c = parse('\uFEFF[daemon]\r\nlogMode = 0\r\nfetch_interval = 2\r\n');
    expect(c.daemon.logMode).toBe(0);
    expect(c.daemon.fetchIntervalMs).toBe(2000);
  });

  it.each([
    ['logMode = 1\n', `'logMode' comes before any [section] header (in ${FILE}:1)`],
    ['[daemon]\nlogMode\n', `expected 'key = value', 'key: value' or '[section]', got 'logMode' (in ${FILE}:2)`],
    ['[daemon]\n= 5\n', `a line starts with '=' but has no key before it (in ${FILE}:2)`],
    ['[daemon]\nlogMode = 1\nLOGMODE = 0\n', `[daemon] LOGMODE is set twice (first on line 2) (in ${FILE}:3)`],
    ['[daemon]\n[plugins]\n[Daemon]\n', `section [Daemon] appears twice (first on line 1) (in ${FILE}:3)`],
  ])('rejects bad syntax: %j', (text, message) => {
    const err = configError(() => parse(text));
    expect(err.message).toBe(message);
    expect(err.line).toBeGreaterThan(0);
  });
});

describe('values', () => {
  it('gives every key a default, so an empty file is valid', () => {
    const c = parse('');
    expect(c.shotgun).toBeNull();
    expect(c.emails).toBeNull();
    expect(c.plugins.paths).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.daemon).toEqual({
      pidFile: null,
      eventIdFile: null,
      stateFile: '/etc/shotgun/shotgun-events.state.json',
      logMode: 1,
      logPath: null,
      logFile: null,
      logLevel: 'info',
      logLevelValue: 20,
      timingLog: false,
      connRetrySleepMs: 60_000,
      maxConnRetries: 5,
      fetchIntervalMs: 5000,
      maxEventBatchSize: 500,
      backlogTimeoutMs: 300_000,
      retryBackoffMs: [1000, 5000, 30_000, 120_000],
      callbackTimeoutMs: 300_000,
      ignoreOwnEvents: false,
      pluginBufferLimitMb: 512,
    });
  });

  it('treats an empty value as the default', () => {
    const d = daemon('fetch_interval =\nlogMode:\nretry_backoff =\ntiming_log =');
    expect(d.fetchIntervalMs).toBe(5000);
    expect(d.logMode).toBe(1);
    expect(d.retryBackoffMs).toEqual([1000, 5000, 30_000, 120_000]);
    expect(d.timingLog).toBe(false);
  });

  it('reads the new [daemon] keys, with fractional seconds', () => {
    const d = daemon(
      'fetch_interval = 0.25\nbacklog_timeout = 90\nretry_backoff = 0.5, 2,10\ncallback_timeout = 0\n' +
        'ignore_own_events = yes\nmax_event_batch_size = 5000\nconn_retry_sleep = 1.5\nplugin_buffer_limit = 256',
    );
    expect(d).toMatchObject({
      fetchIntervalMs: 250,
      backlogTimeoutMs: 90_000,
      retryBackoffMs: [500, 2000, 10_000],
      callbackTimeoutMs: 0,
      ignoreOwnEvents: true,
      maxEventBatchSize: 5000,
      connRetrySleepMs: 1500,
      pluginBufferLimitMb: 256,
    });
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['TRUE', true],
    ['On', true],
    ['0', false],
    ['no', false],
    ['False', false],
    ['OFF', false],
  ])('reads the boolean %s as configparser does', (word, value) => {
    expect(daemon(`ignore_own_events = ${word}`).ignoreOwnEvents).toBe(value);
    expect(parse(`[shotgun]\nserver = https://x.example\nname = n\nkey = k\nuse_session_uuid = ${word}\n`).shotgun?.useSessionUuid).toBe(value);
  });

  it.each(['on', 'true', 'yes', '1', 'ON'])('turns timing_log on with %s (the original wanted exactly "on")', (w) => {
    expect(daemon(`timing_log = ${w}`).timingLog).toBe(true);
  });

  it('accepts log levels as numbers or names', () => {
    expect(daemon('logging = 10')).toMatchObject({ logLevel: 'debug', logLevelValue: 10 });
    expect(daemon('logging = 35')).toMatchObject({ logLevel: 'error', logLevelValue: 35 });
    expect(daemon('logging = WARNING')).toMatchObject({ logLevel: 'warning', logLevelValue: 30 });
    expect(daemon('logging = critical')).toMatchObject({ logLevel: 'critical', logLevelValue: 50 });
  });

  it('resolves relative paths against the config folder, and ~ against home', () => {
    const c = parse(
      '[daemon]\npidFile = run/d.pid\neventIdFile = state/cursor.json\nlogPath = ../logs\nlogFile = main.log\n' +
        '[plugins]\npaths = plugins, ~/sg/plugins, /abs/plugins\n',
    );
    expect(c.daemon.pidFile).toBe('/etc/shotgun/run/d.pid');
    expect(c.daemon.eventIdFile).toBe('/etc/shotgun/state/cursor.json');
    expect(c.daemon.stateFile).toBe('/etc/shotgun/state/cursor.json'); // already .json: used as is
    expect(c.daemon.logPath).toBe('/etc/logs');
    expect(c.daemon.logFile).toBe('/etc/logs/main.log');
    expect(c.plugins.paths).toEqual(['/etc/shotgun/plugins', path.join(homedir(), 'sg/plugins'), '/abs/plugins']);
  });

  it('puts logFile in the config folder when logPath is not set', () => {
    expect(daemon('logFile = daemon').logFile).toBe('/etc/shotgun/daemon');
  });

  it('reads [shotgun] with a proxy and an api_version', () => {
    const c = parse('[shotgun]\nserver = http://localhost:3000\nname = n\nkey = k\nproxy_server = user:pw@10.0.0.1:8080\napi_version = v1\n');
    expect(c.shotgun).toMatchObject({ server: 'http://localhost:3000', proxyServer: 'user:pw@10.0.0.1:8080', apiVersion: 'v1' });
  });

  it('reads [emails] lists, port and TLS', () => {
    const c = parse('[emails]\nenabled = 1\nserver = smtp.x\nport = 587\nuseTLS = True\nfrom = a@x\nto = b@x, c@x,\nusername = u\npassword = p\n');
    expect(c.emails).toEqual({
      server: 'smtp.x',
      port: 587,
      from: 'a@x',
      to: ['b@x', 'c@x'],
      subject: '[SG]',
      useTls: true,
      username: 'u',
      password: 'p',
    });
  });

  it('does not read e-mail keys when e-mail is off (like the original)', () => {
    const c = parse('[emails]\nenabled = False\nusername = %(SG_ED_EMAIL_USERNAME)s\n');
    expect(c.emails).toBeNull();
  });
});

describe('bad values', () => {
  const F = FILE;
  it.each([
    ['[daemon]\nfetch_interval = fast', `[daemon] fetch_interval: expected a number of seconds, got 'fast' (in ${F}:2)`],
    ['[daemon]\nfetch_interval = 0', `[daemon] fetch_interval: expected a number of seconds from 0.1 to 3600, got '0' (in ${F}:2)`],
    ['[daemon]\nfetch_interval = -1', `[daemon] fetch_interval: expected a number of seconds, got '-1' (in ${F}:2)`],
    ['[daemon]\nmax_event_batch_size = 5001', `[daemon] max_event_batch_size: expected a whole number from 1 to 5000, got '5001' (in ${F}:2)`],
    ['[daemon]\nmax_event_batch_size = 0', `[daemon] max_event_batch_size: expected a whole number from 1 to 5000, got '0' (in ${F}:2)`],
    ['[daemon]\nmax_event_batch_size = 50.5', `[daemon] max_event_batch_size: expected a whole number from 1 to 5000, got '50.5' (in ${F}:2)`],
    ['[daemon]\nlogMode = 2', `[daemon] logMode: expected 0 (one log file) or 1 (one file per plugin), got '2' (in ${F}:2)`],
    [
      '[daemon]\nlogging = loud',
      `[daemon] logging: expected a log level: 10 debug, 20 info, 30 warning, 40 error, 50 critical, got 'loud' (in ${F}:2)`,
    ],
    ['[daemon]\nmax_conn_retries = 0', `[daemon] max_conn_retries: expected a whole number >= 1, got '0' (in ${F}:2)`],
    [
      '[daemon]\nretry_backoff = 1, soon',
      `[daemon] retry_backoff: expected a comma-separated list of seconds, e.g. "1, 5, 30, 120", got 'soon' (in ${F}:2)`,
    ],
    ['[daemon]\nignore_own_events = maybe', `[daemon] ignore_own_events: expected true/false (also yes/no, on/off, 1/0), got 'maybe' (in ${F}:2)`],
    [
      '[shotgun]\nserver = mystudio.shotgunstudio.com',
      `[shotgun] server: expected the site URL, e.g. https://mystudio.shotgrid.autodesk.com, got 'mystudio.shotgunstudio.com' (in ${F}:2)`,
    ],
    ['[shotgun]\nserver = https://x.example\nkey = k', `[shotgun] name: the script name is required when server is set (in ${F})`],
    ['[shotgun]\nserver = https://x.example\nname = n', `[shotgun] key: the script key is required when server is set (in ${F})`],
    [
      '[shotgun]\nserver = https://x.example\nname = n\nkey = k\napi_version = 1.1',
      `[shotgun] api_version: expected v1 or v1.1, got '1.1' (in ${F}:5)`,
    ],
    // A well-formed version the client does not speak is refused too, not passed on as a cast.
    [
      '[shotgun]\nserver = https://x.example\nname = n\nkey = k\napi_version = v2',
      `[shotgun] api_version: expected v1 or v1.1, got 'v2' (in ${F}:5)`,
    ],
    ['[emails]\nenabled = true\nfrom = a@x\nto = b@x', `[emails] server: the SMTP server is required when e-mail is enabled (in ${F})`],
    ['[emails]\nenabled = true\nserver = s\nto = b@x', `[emails] from: the sender address is required when e-mail is enabled (in ${F})`],
    [
      '[emails]\nenabled = true\nserver = s\nfrom = a@x\nto = ,',
      `[emails] to: at least one recipient is required when e-mail is enabled (in ${F}:5)`,
    ],
    [
      '[emails]\nenabled = true\nserver = s\nfrom = a@x\nto = b@x, nobody',
      `[emails] to: expected comma-separated e-mail addresses, got 'nobody' (in ${F}:5)`,
    ],
    [
      '[emails]\nenabled = true\nserver = s\nfrom = a@x\nto = b@x\nport = smtp',
      `[emails] port: expected a whole number from 1 to 65535, got 'smtp' (in ${F}:6)`,
    ],
  ])('%j', (text, message) => {
    const err = configError(() => parse(text));
    expect(err.message).toBe(message);
  });

  it('keeps the key as the file spells it in the message', () => {
    expect(configError(() => parse('[daemon]\nFETCH_INTERVAL = fast')).message).toMatch(/^\[daemon\] FETCH_INTERVAL: /);
  });
});

describe('warnings', () => {
  it('warns about unknown keys and sections, suggesting near misses', () => {
    const c = parse('[daemon]\nfetchInterval = 5\nmax_event_batch = 100\nweird = 1\n[database_log]\nhost = db\n');
    expect(c.warnings).toEqual([
      `unknown key [daemon] fetchInterval (in ${FILE}:2), ignored; did you mean fetch_interval?`,
      `unknown key [daemon] max_event_batch (in ${FILE}:3), ignored`,
      `unknown key [daemon] weird (in ${FILE}:4), ignored`,
      `unknown section [database_log] (in ${FILE}:5), ignored`,
    ]);
  });

  it('does not warn about [DEFAULT] keys (they are %(name)s helpers)', () => {
    expect(parse('[DEFAULT]\nroot = /x\n').warnings).toEqual([]);
  });
});

describe('loadConfig', () => {
  it('reads a real file, resolving paths against its folder and warning about missing plugin folders', async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, 'plugins'));
    await writeFile(path.join(dir, 'notadir'), '');
    const file = path.join(dir, 'shotgunEventDaemon.conf');
    await writeFile(
      file,
      '[daemon]\neventIdFile = shotgunEventDaemon.id\n[shotgun]\nserver = ${SITE}\nname = n\nkey = k\n' +
        '[plugins]\npaths = plugins, missing, notadir\n',
    );
    const c = loadConfig(file, { SITE: 'https://site.example' });
    expect(c.path).toBe(file);
    expect(c.daemon.stateFile).toBe(path.join(dir, 'shotgunEventDaemon.id.json'));
    expect(c.shotgun?.server).toBe('https://site.example');
    expect(c.plugins.paths).toEqual([path.join(dir, 'plugins'), path.join(dir, 'missing'), path.join(dir, 'notadir')]);
    expect(c.warnings).toEqual([
      `[plugins] paths: ${path.join(dir, 'missing')} does not exist (yet)`,
      `[plugins] paths: ${path.join(dir, 'notadir')} is not a folder`,
    ]);
  });

  it('defaults env to process.env', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'x.conf');
    await writeFile(file, '[daemon]\nlogFile = ${SGE_TEST_LOGFILE}\n[shotgun]\nserver = https://s.example\nname = n\nkey = k\n');
    process.env.SGE_TEST_LOGFILE = 'from-env';
    try {
      expect(loadConfig(file).daemon.logFile).toBe(path.join(dir, 'from-env'));
    } finally {
      delete process.env.SGE_TEST_LOGFILE;
    }
  });

  it('names the file when it cannot be read', async () => {
    const dir = await tempDir();
    const err = configError(() => loadConfig(path.join(dir, 'nope.conf')));
    expect(err.message).toBe(`cannot read config file ${path.join(dir, 'nope.conf')}: no such file`);
    expect(err.file).toBe(path.join(dir, 'nope.conf'));
    expect(() => loadConfig(dir)).toThrow(/it is a folder/);
  });
});

describe('a config file must name its site (no silent demo mode)', () => {
  async function load(text: string): Promise<{ file: string; error: ConfigError }> {
    const file = path.join(await tempDir(), 'shotgunEventDaemon.conf');
    await writeFile(file, text);
    return { file, error: configError(() => loadConfig(file, {})) };
  }

  it('an empty file', async () => {
    const { file, error } = await load('\n  \n');
    expect(error.message).toBe(
      `config file ${file} is empty: it needs a [shotgun] section with server, name and key (run without a config for demo mode)`,
    );
  });

  it('no [shotgun] section, and a misspelled one', async () => {
    const none = await load('[daemon]\nlogging = 20\n');
    expect(none.error.message).toBe(`config file ${none.file} has no [shotgun] section: it needs server, name and key`);
    const typo = await load('[daemon]\nlogging = 20\n[shotgn]\nserver = https://s.example\n');
    expect(typo.error.message).toBe(
      `config file ${typo.file} has no [shotgun] section: it needs server, name and key; found [shotgn] (in ${typo.file}:3): a misspelling of [shotgun]?`,
    );
  });

  it('an empty or missing server', async () => {
    const empty = await load('[shotgun]\nserver =\nname = n\nkey = k\n');
    expect(empty.error.message).toBe(
      `[shotgun] server: the site URL is required, e.g. https://mystudio.shotgrid.autodesk.com (an empty server does not mean demo mode: run without a config for that) (in ${empty.file}:2)`,
    );
    const missing = await load('[shotgun]\nname = n\nkey = k\n');
    expect(missing.error.message).toMatch(/^\[shotgun\] server: the site URL is required/);
  });

  it('parseConfig without requireSite stays lenient (the desktop app fills the site in later)', () => {
    expect(parse('').shotgun).toBeNull();
  });
});

describe('[shotgun] timeout', () => {
  it('is seconds, 60 by default, and validated', () => {
    const site = '[shotgun]\nserver = https://s.example\nname = n\nkey = k\n';
    expect(parse(site).shotgun!.timeoutMs).toBe(60_000);
    expect(parse(`${site}timeout = 2.5\n`).shotgun!.timeoutMs).toBe(2500);
    expect(configError(() => parse(`${site}timeout = 0\n`)).message).toBe(
      `[shotgun] timeout: expected a number of seconds from 1 to 3600, got '0' (in ${FILE}:5)`,
    );
  });
});

describe('the config search order (as the original daemon)', () => {
  it('--config, then $SHOTGUN_EVENTS_CONFIG, then ./shotgunEventDaemon.conf; none found: undefined', async () => {
    const cwd = await tempDir();
    expect(configPath('given.conf', { SHOTGUN_EVENTS_CONFIG: 'env.conf' }, cwd)).toBe('given.conf');
    expect(configPath(undefined, { SHOTGUN_EVENTS_CONFIG: 'env.conf' }, cwd)).toBe('env.conf');
    // /etc/shotgunEventDaemon.conf is last; this machine is not expected to have one.
    const etc = existsSync('/etc/shotgunEventDaemon.conf') ? '/etc/shotgunEventDaemon.conf' : undefined;
    expect(configPath(undefined, {}, cwd)).toBe(etc);
    await writeFile(path.join(cwd, 'shotgunEventDaemon.conf'), '');
    expect(configPath(undefined, {}, cwd)).toBe(path.join(cwd, 'shotgunEventDaemon.conf'));
  });
});
