// Error e-mails against a real SMTP server (smtp-server) on 127.0.0.1.

import { createServer, type AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogging, type EmailSettings, type LogLine, type Logging } from '../../electron/engine/logging.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

interface Mail {
  from: string;
  to: string[];
  subject: string;
  body: string;
  headers: string;
  at: number;
}

interface Smtp {
  port: number;
  mails: Mail[];
  auths: { username: string; password: string }[];
  close(): Promise<void>;
}

const servers: Smtp[] = [];
const loggings: Logging[] = [];
afterEach(async () => {
  await Promise.all(loggings.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startSmtp(opts: { starttls?: boolean; auth?: { user: string; pass: string } } = {}): Promise<Smtp> {
  const mails: Mail[] = [];
  const auths: Smtp['auths'] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    // Without STARTTLS the session is plain text; with it, smtp-server offers
    // STARTTLS with its built-in self-signed certificate.
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    onAuth(auth, _session, cb) {
      auths.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const split = raw.search(/\r?\n\r?\n/);
        const headers = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
        let body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
        if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
          body = Buffer.from(
            body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => `%${h}`),
            'latin1',
          ).toString('latin1');
          body = decodeURIComponent(body.replace(/%(?![0-9A-F]{2})/g, '%25'));
        } else if (/content-transfer-encoding:\s*base64/i.test(headers)) {
          body = Buffer.from(body, 'base64').toString('utf8');
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address).sort(),
          subject: /^subject: (.*)$/im.exec(headers)?.[1]?.trim() ?? '',
          body: body.replace(/\r\n/g, '\n'),
          headers,
          at: Date.now(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const smtp: Smtp = { port, mails, auths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  servers.push(smtp);
  return smtp;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function settings(port: number, extra: Partial<EmailSettings> = {}): EmailSettings {
  return {
    server: '127.0.0.1',
    port,
    from: 'daemon@studio.test',
    to: ['td@studio.test', 'lead@studio.test'],
    subject: '[SG]',
    useTls: false,
    throttleMs: 0,
    ...extra,
  };
}

async function make(
  emails: EmailSettings,
  extra: { gather?: number; logPath?: string; onLine?: (l: LogLine) => void } = {},
): Promise<Logging & { err: string[] }> {
  const err: string[] = [];
  const logging = createLogging({
    logMode: 1,
    logPath: extra.logPath ?? (await tempDir()),
    logFile: 'main.log',
    level: 20,
    console: false,
    timingLog: false,
    emails,
    stderr: (t) => err.push(t),
    mailGatherMs: extra.gather ?? 0,
    ...(extra.onLine ? { onLine: extra.onLine } : {}),
  });
  loggings.push(logging);
  return Object.assign(logging, { err });
}

describe('error e-mails', () => {
  it('mails ERROR and CRITICAL (not below) with the original subject and body', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port));
    l.engine.info('not mailed');
    l.engine.warning('not mailed either');
    l.engine.error('Unable to connect to SG (attempt %s of %s): %s', 5, 5, 'timeout');
    await waitFor(() => smtp.mails.length === 1);
    l.engine.critical('Crash!!!!!');
    await waitFor(() => smtp.mails.length === 2);
    // Every send under way has reached the server: no third mail was coming.
    await l.flush();
    expect(smtp.mails).toHaveLength(2);

    const [err, crit] = smtp.mails as [Mail, Mail];
    expect(err.from).toBe('daemon@studio.test');
    expect(err.to).toEqual(['lead@studio.test', 'td@studio.test']);
    expect(err.subject).toBe('[SG] ERROR - SG event daemon.');
    expect(crit.subject).toBe('[SG] CRITICAL - SG event daemon.');
    expect(err.body).toMatch(
      /^Time: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\nLogger: engine\nPath: .*mailer\.test\.ts\nFunction: .*\nLine: \d+\n\n/,
    );
    expect(err.body).toContain('\n\nUnable to connect to SG (attempt 5 of 5): timeout\n');
    expect(err.body).not.toContain('not mailed'); // same tick, same recipients: INFO/WARNING would share its mail
    expect(crit.body).toContain('Crash!!!!!');
  });

  it('mails plugin and callback errors, with Path/Function/Line from a worker record when given', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port));
    l.callback('notes', 'onNote').write({
      level: 50,
      message: 'An error occured processing an event.',
      path: '/plugins/notes.js',
      func: 'onNote',
      line: 12,
    });
    await waitFor(() => smtp.mails.length === 1);
    expect(smtp.mails[0]!.body).toMatch(
      /^Time: .+\nLogger: plugin\.notes\.onNote\nPath: \/plugins\/notes\.js\nFunction: onNote\nLine: 12\n\nAn error occured processing an event\.\n$/,
    );
    expect(smtp.mails[0]!.subject).toBe('[SG] CRITICAL - SG event daemon.');
  });

  it('throttles: a burst is one mail, later errors in the window go into the next digest', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port, { throttleMs: 1500 }), { gather: 200 });
    for (let i = 1; i <= 5; i++) l.engine.error(`error number ${i}`);
    await waitFor(() => smtp.mails.length === 1);
    const first = smtp.mails[0]!;
    expect(first.body).toContain('error number 1');
    expect(first.body).toContain('and 4 more errors:');
    for (let i = 2; i <= 5; i++) expect(first.body).toContain(`error number ${i}`);
    expect(first.subject).toBe('[SG] ERROR - SG event daemon.');

    l.engine.error('late error A');
    l.engine.critical('late error B');
    await waitFor(() => smtp.mails.length === 2);
    const second = smtp.mails[1]!;
    // The next mail after the first: nothing went out inside the window.
    expect(second.at - first.at).toBeGreaterThanOrEqual(1300);
    expect(second.body).toContain('late error A');
    expect(second.body).toContain('and 1 more error:');
    expect(second.body).toContain('late error B');
    expect(second.subject).toBe('[SG] CRITICAL - SG event daemon.');
  });

  it('throttles per recipient set', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port, { throttleMs: 60_000 }), { gather: 100 });
    l.setPluginEmails('p', ['p-owner@studio.test']);
    l.engine.error('engine error');
    l.plugin('p').error('plugin error');
    await waitFor(() => smtp.mails.length === 2);
    const byTo = Object.fromEntries(smtp.mails.map((m) => [m.to.join(','), m.body]));
    expect(byTo['lead@studio.test,td@studio.test']).toContain('engine error');
    expect(byTo['p-owner@studio.test']).toContain('plugin error');
  });

  it('close() sends the pending digest at once', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port, { throttleMs: 60_000 }));
    l.engine.error('first');
    await waitFor(() => smtp.mails.length === 1);
    l.engine.error('second, throttled');
    await sleep(100); // a window, as an unthrottled digest would leave within a tick and no state says it is queued
    expect(smtp.mails).toHaveLength(1);
    await l.close();
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1]!.body).toContain('second, throttled');
  });
});

describe('setPluginEmails', () => {
  it('true = the default recipients, false = none, a list = those addresses (callbacks follow their plugin)', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port));
    l.setPluginEmails('defaults', true);
    l.setPluginEmails('silent', false);
    l.setPluginEmails('own', ['owner@studio.test', 'second@studio.test']);
    l.plugin('defaults').error('from defaults');
    l.plugin('silent').error('from silent');
    l.callback('silent', 'cb').critical('from silent callback');
    l.plugin('own').error('from own');
    l.callback('own', 'cb').error('from own callback');
    l.plugin('untouched').error('from untouched');
    // Records logged in the same tick for the same recipients share one mail.
    const received = () => smtp.mails.flatMap((m) => [...m.body.matchAll(/\n\n(from [^\n]+)/g)].map((x) => `${x[1]} -> ${m.to.join(',')}`)).sort();
    await waitFor(() => received().length === 4);
    await l.flush(); // every send under way has arrived: none for silent
    expect(received()).toEqual([
      'from defaults -> lead@studio.test,td@studio.test',
      'from own -> owner@studio.test,second@studio.test',
      'from own callback -> owner@studio.test,second@studio.test',
      'from untouched -> lead@studio.test,td@studio.test',
    ]);

    // back to the defaults, and an empty list means nobody
    l.setPluginEmails('silent', null);
    l.setPluginEmails('own', []);
    l.plugin('silent').error('from silent again');
    l.plugin('own').error('from own again');
    await waitFor(() => received().length === 5);
    await l.flush();
    expect(received()).toHaveLength(5);
    expect(received()).toContain('from silent again -> lead@studio.test,td@studio.test');
  });

  it('rejects what is neither a boolean nor addresses', async () => {
    const l = await make(settings(await freePort()));
    expect(() => l.setPluginEmails('p', ['not an address'])).toThrow(TypeError);
    expect(() => l.setPluginEmails('p', 'td@studio.test' as unknown as string[])).toThrow(TypeError);
    expect(() => l.setPluginEmails('p', [true] as unknown as string[])).toThrow(TypeError);
  });
});

describe('when mail cannot be sent', () => {
  it('SMTP down: logging never throws, stderr gets one note per failure burst, and the log a WARNING', async () => {
    const port = await freePort();
    const dir = await tempDir();
    const lines: LogLine[] = [];
    const l = await make(settings(port), { logPath: dir, onLine: (x) => lines.push(x) });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect(() => l.engine.error(`error ${i}`)).not.toThrow();
    expect(Date.now() - t0).toBeLessThan(200); // sending is not awaited
    await waitFor(() => l.err.length > 0);
    await l.flush(); // every failed send has been noted
    expect(l.err).toHaveLength(1);
    expect(l.err[0]).toMatch(/^shotgun-events: could not send an error e-mail to 2 recipients via 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    const warning = lines.find((x) => x.level === 30);
    expect(warning?.logger).toBe('engine');
    expect(warning?.message).toContain('could not send an error e-mail');
    expect(await readFile(path.join(dir, 'main.log'), 'utf8')).toContain(' - engine - WARNING - could not send an error e-mail');
  });

  it('authenticates when a username is set, and never writes the password anywhere', async () => {
    const password = 'S3cret-Pa55word';
    const smtp = await startSmtp({ starttls: true, auth: { user: 'mailer', pass: password } });
    // useTls off: STARTTLS is still taken when offered (self-signed here), then AUTH.
    const good = await make(settings(smtp.port, { username: 'mailer', password }));
    good.engine.error('authenticated mail');
    await waitFor(() => smtp.mails.length === 1);
    expect(smtp.auths).toEqual([{ username: 'mailer', password }]);

    const dir = await tempDir();
    const lines: LogLine[] = [];
    const bad = await make(settings(smtp.port, { username: 'mailer', password: `${password}-wrong` }), {
      logPath: dir,
      onLine: (x) => lines.push(x),
    });
    bad.engine.error('will not authenticate');
    await waitFor(() => bad.err.length > 0);
    await bad.close();
    expect(smtp.mails).toHaveLength(1);
    expect(bad.err[0]).toMatch(/could not send an error e-mail/);
    const everything = [
      ...bad.err,
      ...good.err,
      ...lines.map((x) => x.message),
      ...(await Promise.all((await readdir(dir)).map((f) => readFile(path.join(dir, f), 'utf8')))),
    ].join('\n');
    expect(everything).not.toContain(password);
  });

  it('without a username there is no AUTH', async () => {
    const smtp = await startSmtp();
    const l = await make(settings(smtp.port, { password: 'unused' }));
    l.engine.error('no auth');
    await waitFor(() => smtp.mails.length === 1);
    expect(smtp.auths).toEqual([]);
  });

  it('useTls requires STARTTLS with a verified certificate', async () => {
    const plain = await startSmtp({ starttls: false });
    const selfSigned = await startSmtp({ starttls: true });
    const a = await make(settings(plain.port, { useTls: true }));
    const b = await make(settings(selfSigned.port, { useTls: true }));
    a.engine.error('must not go in clear text');
    b.engine.error('must not go to an unverified server');
    await waitFor(() => a.err.length > 0 && b.err.length > 0);
    expect(a.err[0]).toMatch(/could not send/);
    expect(b.err[0]).toMatch(/could not send/);
    expect(plain.mails).toHaveLength(0);
    expect(selfSigned.mails).toHaveLength(0);
  });

  it('reports recovery once mail goes through again', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    servers.splice(servers.indexOf(smtp), 1);
    const l = await make(settings(port));
    l.engine.error('lost');
    await waitFor(() => l.err.length === 1);
    // a server comes back on the same port
    const back = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData: (s, _x, cb) => {
        s.resume();
        s.on('end', () => cb());
      },
    });
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', () => resolve()));
    try {
      l.engine.error('delivered');
      await waitFor(() => l.err.length === 2);
      expect(l.err[1]).toBe('shotgun-events: e-mail alerts are being sent again (after 1 failed mail)\n');
    } finally {
      await l.close();
      await new Promise<void>((resolve) => back.close(() => resolve()));
    }
  });
});
