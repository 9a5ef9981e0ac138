// The client's retries reach the log (electron/engine/retry-log.ts): a 429, a 502-504 or an
// expired token retried inside the client is a WARNING saying what happens next, and a
// burst of one kind is one line plus a count, not a flood. The engine runs in-process
// against a sandbox over HTTP, with the sandbox's own faults.
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../electron/engine/logging.js';
import { recorderPlugin, until, type Site } from '../daemon/harness.js';
import { inProcess } from './in-process.js';
import { shotId } from '../daemon/helpers.js';

const live = inProcess();

const warnings = (logs: LogLine[], re: RegExp) => logs.filter((l) => l.levelName === 'WARNING' && re.test(l.message));

async function oneEvent(s: Site): Promise<number> {
  await s.sg.update('Shot', await shotId(s), { sg_cut_in: Math.floor(Math.random() * 1e9) });
  return s.sandbox.store.lastEventId;
}

describe('retries inside the client', () => {
  it('a burst of 429s is one WARNING and a count; a 502 is its own line; polling goes on', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const { engine, logs } = await live.engine(s);
    s.sandbox.faults.fail.push({ status: 429, count: 3, path: 'EventLogEntry', retryAfter: 0 }, { status: 502, count: 1, path: 'EventLogEntry' });
    const url = `POST ${s.sandbox.url}/api/v1.1/entity/EventLogEntry/_search`.replace(/[.]/g, '\\.');
    const throttled = new RegExp(`^${url}: HTTP 429 \\(attempt 1\\); retrying in \\d+ ms \\(the site is throttling\\)\\.$`);
    await until(() => warnings(logs, /HTTP 502 \(attempt \d\); retrying in \d+ ms\.$/).length === 1, 'a WARNING for the 502', 30_000);
    const id = await oneEvent(s);
    await until(() => s.records('a').some((r) => r.id === id), 'a got the event after the faults', 30_000);
    await engine.stop(1000);
    expect(warnings(logs, throttled)).toHaveLength(1);
    expect(warnings(logs, /^POST .*HTTP 429/)).toHaveLength(1);
    expect(warnings(logs, /^2 more requests retried after HTTP 429 in the last 10 s/)).toHaveLength(1);
  }, 90_000);

  it('an expired access token: a WARNING that the client re-authenticates and replays, and the event arrives', async () => {
    const s = await live.site();
    s.writePlugin('a.mjs', recorderPlugin(s.recordsDir, 'a'));
    const { logs } = await live.engine(s);
    s.sandbox.auth.expireAll();
    await until(
      () =>
        warnings(logs, /: access token expired or revoked \(HTTP 401\) \(attempt 1\); re-authenticating and replaying the request once\.$/).length >
        0,
      'a WARNING for the expired token',
      30_000,
    );
    const id = await oneEvent(s);
    await until(() => s.records('a').some((r) => r.id === id), 'a got the event after re-authenticating', 30_000);
  }, 90_000);
});
