// Cut-over from the original daemon (../shared/peer, run unchanged from a copy beside its
// conf) to shotgun-events on the same eventIdFile: the original processes some events and
// pickles its cursor; more events happen while neither runs; shotgun-events starts with no
// JSON state, imports the pickle and resumes exactly after it. The same .py plugin records
// every event id under both daemons: none is lost or repeated.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorFor, readOriginalState } from '../../electron/engine/pickle-import.js';
import { PickleError } from '../../electron/engine/pickle.js';
import { makeSite, PLUGIN_SCRIPT, until, type Site } from '../daemon/harness.js';
import { PEER, PEER_API3 } from '../python/peer.js';

let site: Site | undefined;
let original: ChildProcess | undefined;
afterEach(async () => {
  if (original && original.exitCode === null && original.signalCode === null) original.kill('SIGKILL');
  original = undefined;
  await site?.close();
  site = undefined;
});

const recorded = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' '))
        .map(([tag, id]) => ({ tag: tag!, id: Number(id) }))
    : [];

describe('cut-over from the original daemon', () => {
  it('resumes exactly after the pickled cursor: no event lost or repeated', { timeout: 180_000 }, async () => {
    site = await makeSite();
    const { sg, dir } = site;
    const idFile = path.join(dir, 'state', 'daemon.id');
    mkdirSync(path.dirname(idFile), { recursive: true });
    copyFileSync(path.resolve(import.meta.dirname, 'fixtures-recorder.py'), path.join(site.pluginsDir, 'recorder.py'));
    const recFile = path.join(dir, 'records.txt');
    const env = { REC_SCRIPT: PLUGIN_SCRIPT.name, REC_KEY: PLUGIN_SCRIPT.key, REC_FILE: recFile };
    const project = (await sg.findOne<{ type: string; id: number }>('Project', [], ['id']))!;
    const P = { type: 'Project', id: project.id };

    // The original's own cursor file, as it saves it: {plugin folder: {plugin: (lastId, backlog)}}.
    const start = site.sandbox.store.lastEventId;
    const seed = spawn('python3', [
      '-c',
      `import pickle, sys\npickle.dump({sys.argv[1]: {'recorder': (int(sys.argv[2]), {})}}, open(sys.argv[3], 'wb'), protocol=pickle.HIGHEST_PROTOCOL)`,
      site.pluginsDir,
      String(start),
      idFile,
    ]);
    await new Promise((r) => seed.on('exit', r));

    // The original daemon, unchanged, from a copy beside its conf (it reads its conf from its own folder).
    const odir = path.join(dir, 'original');
    mkdirSync(path.join(odir, 'logs'), { recursive: true });
    for (const f of ['shotgunEventDaemon.py', 'daemonizer.py', 'importlib_wrapper.py'])
      copyFileSync(path.join(PEER, 'shotgunEvents/src', f), path.join(odir, f));
    writeFileSync(
      path.join(odir, 'shotgunEventDaemon.conf'),
      `[daemon]\npidFile: ${path.join(odir, 'daemon.pid')}\neventIdFile: ${idFile}\nlogMode: 0\nlogPath: ${path.join(odir, 'logs')}\nlogFile: original.log\nlogging: 10\nconn_retry_sleep = 1\nmax_conn_retries = 3\nfetch_interval = 1\nmax_event_batch_size = 500\n\n` +
        `[shotgun]\nserver: ${site.sandbox.url}\nname: daemon\nkey: daemon-key\nproxy_server:\nuse_session_uuid: False\n\n[plugins]\npaths: ${site.pluginsDir}\n\n[emails]\nenabled: False\n`,
    );

    // Events before the switch, handled by the original.
    for (let i = 0; i < 5; i++) await sg.create('Shot', { project: P, code: `before_${i}` });
    const before = site.sandbox.store.lastEventId;
    let out = '';
    original = spawn('python3', [path.join(odir, 'shotgunEventDaemon.py'), 'foreground'], {
      cwd: odir,
      env: { ...process.env, ...env, REC_TAG: 'original', PYTHONPATH: PEER_API3 },
    });
    original.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    original.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => recorded(recFile).some((r) => r.id === before), `the original daemon handled event ${before}:\n${out.slice(-3000)}`, 90_000);
    // Its pickle says so (read with our own reader) before it is stopped.
    // The original rewrites its pickle in place (truncate, then dump): a read while it runs
    // can find it empty or cut short, which is "not yet" here.
    const pickled = () => {
      try {
        return cursorFor(readOriginalState(idFile), site!.pluginsDir, 'recorder')?.lastId;
      } catch (e) {
        if (e instanceof PickleError) return undefined;
        throw e;
      }
    };
    await until(() => pickled() === before, 'the pickle holds the last id', 30_000);
    original.kill('SIGTERM');
    await new Promise((r) => original!.on('exit', r));

    // Events while no daemon runs: the gap a cut-over must not drop.
    for (let i = 0; i < 5; i++) await sg.create('Shot', { project: P, code: `between_${i}` });
    const between = site.sandbox.store.lastEventId;

    const d = site.run([], { ...env, REC_TAG: 'ours' });
    await d.waitFor(/Imported the original daemon's cursor for plugin recorder: last event \d+/, 60_000);
    for (let i = 0; i < 3; i++) await sg.create('Shot', { project: P, code: `after_${i}` });
    const after = site.sandbox.store.lastEventId;
    await until(() => recorded(recFile).some((r) => r.id === after), `shotgun-events handled event ${after}`, 60_000);
    expect(await d.stop()).toBe(0);

    const rows = recorded(recFile);
    const ids = rows.map((r) => r.id);
    const expected = Array.from({ length: after - start }, (_, i) => start + 1 + i);
    expect(ids).toEqual(expected); // every event once, in order
    expect(rows.filter((r) => r.tag === 'original').map((r) => r.id)).toEqual(expected.filter((id) => id <= before));
    expect(rows.filter((r) => r.tag === 'ours')[0]!.id).toBe(before + 1);
    expect(between).toBeGreaterThan(before);
    expect(d.output()).toContain(`Imported the original daemon's cursor for plugin recorder: last event ${before}`);
  });
});
