// The engine's plugin lifecycle (electron/engine/plugin-lifecycle.ts) in-process, against a
// sandbox over HTTP and a real SMTP server on 127.0.0.1: a plugin's setEmails() reaches the
// mailer when it loads, is read again when its file changes (reload), and a plugin that
// names no recipients mails the [emails] defaults.
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { PLUGIN_SCRIPT, until } from '../daemon/harness.js';
import { shotId, writeCut } from '../daemon/helpers.js';
import { inProcess } from './in-process.js';

interface Mail {
  to: string[];
  body: string;
}

const run = inProcess();
let smtp: SMTPServer | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  smtp = null;
});

async function startSmtp(mails: Mail[]): Promise<number> {
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((a) => a.address).sort(), body: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  smtp = server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.server.address() as AddressInfo).port;
}

/** A plugin whose callback logs an ERROR naming the event; `emails` is its setEmails() call, if any. */
function erroringPlugin(tag: string, emails?: string): string {
  return `export function registerCallbacks(reg) {
  ${emails ? `reg.setEmails(${JSON.stringify(emails)});` : ''}
  reg.registerCallback(${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}, cb, null, { stopOnError: false });
}
function cb(sg, event, args, ctx) {
  ctx.logger.error('${tag} saw event ' + event.id);
}
`;
}

describe("a plugin's e-mail recipients", () => {
  it('come from its setEmails() at load and again after a reload; without it, the [emails] defaults', async () => {
    const mails: Mail[] = [];
    const port = await startSmtp(mails);
    const s = await run.site();
    s.writeConfig({ emails: { enabled: 'True', server: '127.0.0.1', port, from: 'daemon@studio.test', to: 'lead@studio.test' } });
    const owned = s.writePlugin('owned.mjs', erroringPlugin('owned', 'owner@studio.test'));
    s.writePlugin('plain.mjs', erroringPlugin('plain'));
    const { engine, logged } = await run.engine(s);
    const shot = await shotId(s);

    const mailed = (re: RegExp) => mails.filter((m) => re.test(m.body)).map((m) => m.to.join(','));
    const first = await writeCut(s, shot, 1);
    await until(
      () => mailed(new RegExp(`owned saw event ${first}`)).length > 0 && mailed(new RegExp(`plain saw event ${first}`)).length > 0,
      'both mails',
      30_000,
    );
    expect(mailed(new RegExp(`owned saw event ${first}`))).toEqual(['owner@studio.test']);
    expect(mailed(new RegExp(`plain saw event ${first}`))).toEqual(['lead@studio.test']);

    // The file changes: the watcher reloads it, and its new recipients apply.
    writeFileSync(owned, erroringPlugin('owned again', 'second@studio.test'));
    await until(
      () => logged(/Reloading plugin at .*owned\.mjs/) && engine.snapshot().plugins.find((p) => p.name === 'owned')?.state === 'running',
      'the reload',
      30_000,
    );
    const second = await writeCut(s, shot, 2);
    await until(() => mailed(new RegExp(`owned again saw event ${second}`)).length > 0, 'the mail after the reload', 30_000);
    expect(mailed(new RegExp(`owned again saw event ${second}`))).toEqual(['second@studio.test']);
  }, 90_000);
});
