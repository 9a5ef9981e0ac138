// Failing callbacks through the real CLI. stopOnError=true holds the plugin at the event,
// retries on retry_backoff (0.3, 0.6 s here), then waits for the user with its cursor
// before the event; stopOnError=false records the failure in the state and moves on.
import path from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, readState, recorderPlugin, until, type Site } from './harness.js';
import { settledAt, shotId, writeCut } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

interface Attempt {
  id: number;
  attempt: number;
  t: number;
}

/**
 * A recorder that first logs every attempt to `<records>/attempts.jsonl`, then throws on
 * events setting sg_cut_in to 666 while `failWhile(n)` holds (n: this event's attempts so far).
 */
function failingPlugin(s: Site, failWhile: string, stopOnError: boolean): string {
  const attempts = JSON.stringify(path.join(s.recordsDir, 'attempts.jsonl'));
  return recorderPlugin(s.recordsDir, 'rec', {
    stopOnError,
    header: `import { readFileSync } from 'node:fs';`,
    body: `appendFileSync(${attempts}, JSON.stringify({ id: event.id, attempt: ctx.attempt, t: Date.now() }) + '\\n');
  const n = readFileSync(${attempts}, 'utf8').split('\\n').filter((l) => l && JSON.parse(l).id === event.id).length;
  if (event.meta && event.meta.new_value === 666 && (${failWhile})) throw new Error('cut in 666 refused, try ' + n);`,
  });
}

function attempts(s: Site): Attempt[] {
  const f = path.join(s.recordsDir, 'attempts.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Attempt);
}

describe('stopOnError=true', () => {
  it('holds at the failing event, retries on retry_backoff, succeeds on attempt 3 and goes on in order', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', failingPlugin(site, 'n <= 2', true));
    const shot = await shotId(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    const bad = await writeCut(site, shot, 666);
    const e3 = await writeCut(site, shot, 3);
    const e4 = await writeCut(site, shot, 4);
    await settledAt(site, ['rec'], e4);

    // Attempts, in order: the later events wait until the held one succeeds.
    const a = attempts(site);
    expect(a.map((x) => [x.id, x.attempt])).toEqual([
      [e1, 1],
      [bad, 1],
      [bad, 2],
      [bad, 3],
      [e3, 1],
      [e4, 1],
    ]);
    // Retries follow retry_backoff = 0.3, 0.6 s.
    expect(a[2]!.t - a[1]!.t).toBeGreaterThanOrEqual(280);
    expect(a[2]!.t - a[1]!.t).toBeLessThan(1500);
    expect(a[3]!.t - a[2]!.t).toBeGreaterThanOrEqual(580);
    expect(a[3]!.t - a[2]!.t).toBeLessThan(2000);
    expect(site.records('rec').map((r) => [r.id, r.attempt, r.late])).toEqual([
      [e1, 1, false],
      [bad, 3, false],
      [e3, 1, false],
      [e4, 1, false],
    ]);
    expect(d.output()).toMatch(new RegExp(`holding at event ${bad} \\(record: cut in 666 refused, try 1\\); retry 1 of 2`));
    expect(d.output()).toMatch(new RegExp(`event ${bad} succeeded on attempt 3`));
    expect(await d.stop()).toBe(0);
    expect(readState(site)!.plugins.rec).toMatchObject({ lastId: e4, failed: [] });
  });

  it('after the last automatic retry it waits for the user, cursor before the event; cursor --show refuses while running', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', failingPlugin(site, 'true', true));
    const shot = await shotId(site);
    const d = site.run();
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    const bad = await writeCut(site, shot, 666);
    await writeCut(site, shot, 3);
    await d.waitFor(new RegExp(`holding at event ${bad} .*automatic retries used up, waiting for retry or skip`), 8000);

    // The state is locked while the daemon runs.
    const locked = await site.cli(['cursor', '--config', site.configPath, '--show']);
    expect(locked.code).not.toBe(0);
    expect(locked.stderr).toMatch(/in use by a running daemon/);

    expect(await d.stop()).toBe(0);
    // No further automatic attempt came in all that time (the command above, then the stop).
    expect(attempts(site).map((x) => [x.id, x.attempt])).toEqual([
      [e1, 1],
      [bad, 1],
      [bad, 2],
      [bad, 3],
    ]);
    expect(site.records('rec').map((r) => r.id)).toEqual([e1]);
    const shown = await site.cli(['cursor', '--config', site.configPath, '--show']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^rec: cursor ${bad - 1} \\(enabled\\)`, 'm'));
    expect(readState(site)!.plugins.rec!.lastId).toBe(e1);
  });
});

describe('stopOnError=false', () => {
  it('records the failure (event id, callback, error) in the state and moves on; the record survives a restart', async () => {
    site = await makeSite();
    site.writePlugin('rec.mjs', failingPlugin(site, 'true', false));
    const shot = await shotId(site);
    let d = site.run();
    await d.waitFor(/Polling every event type/);
    const e1 = await writeCut(site, shot, 1);
    const bad = await writeCut(site, shot, 666);
    const e3 = await writeCut(site, shot, 3);
    const e4 = await writeCut(site, shot, 4);
    await settledAt(site, ['rec'], e4);
    expect(attempts(site).map((x) => [x.id, x.attempt])).toEqual([
      [e1, 1],
      [bad, 1],
      [e3, 1],
      [e4, 1],
    ]);
    expect(site.records('rec').map((r) => r.id)).toEqual([e1, e3, e4]);
    expect(await d.stop()).toBe(0);
    const check = () => {
      const s = readState(site)!.plugins.rec!;
      expect(s.lastId).toBe(e4);
      expect(s.failed).toHaveLength(1);
      expect(s.failed[0]).toMatchObject({ eventId: bad, callback: 'record', attempts: 1 });
      expect(s.failed[0]!.error).toMatch(/cut in 666 refused, try 1/);
    };
    check();
    // A restart keeps the failed list as it was (nothing of it dropped on load).
    d = site.run();
    await d.waitFor(/Polling every event type/);
    const e5 = await writeCut(site, shot, 5);
    await until(() => site.records('rec').length === 4, 'after restart');
    expect(await d.stop()).toBe(0);
    expect(site.records('rec').map((r) => r.id)).toEqual([e1, e3, e4, e5]);
    const s = readState(site)!.plugins.rec!;
    expect(s.lastId).toBe(e5);
    expect(s.failed).toHaveLength(1);
    expect(s.failed[0]).toMatchObject({ eventId: bad, callback: 'record', attempts: 1 });
  });
});
