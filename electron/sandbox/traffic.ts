// Live studio activity for the sandbox, so a poller has a realistic event stream to
// chew on: task status changes, new Versions and their reviews, Notes, assignee changes,
// cut changes, occasional retire/revive and new Shots. Writes go through the store as
// HumanUsers (whose writes always make events). The rate is in EVENTS per second: one
// create makes many event rows, so each action is charged what the store actually wrote.

import { prng } from './seed.js';
import type { Actor, Link, Row, SandboxStore } from './store.js';

export type TrafficAction =
  | 'task_status'
  | 'new_version'
  | 'version_status'
  | 'note'
  | 'note_status'
  | 'assignees'
  | 'shot_cut'
  | 'retire'
  | 'revive'
  | 'new_shot';

export interface TrafficOptions {
  store: SandboxStore;
  /** Events per second (fractional is fine); 0 = idle. */
  rate: number;
  /** HumanUsers to write as. Default: every active HumanUser in the store (admin only if alone). */
  actors?: Actor[];
  /** PRNG seed, for a repeatable sequence of actions. */
  seed?: number;
  /** Scheduler tick, ms (default 50). */
  tickMs?: number;
  /** Clock for budgeting (default Date.now, which vitest's fake timers control). */
  now?: () => number;
  /** Where failed writes are reported; they are always counted in stats. */
  log?: (message: string) => void;
}

export interface TrafficStats {
  running: boolean;
  rate: number;
  /** Store writes that succeeded (create/update/retire/revive calls). */
  writes: number;
  /** EventLogEntry rows those writes produced. */
  events: number;
  /** Writes the store rejected (validation errors, races with other clients). */
  errors: number;
  actions: Record<TrafficAction, number>;
  lastError: string | null;
}

const WEIGHTS: Array<[TrafficAction, number]> = [
  ['task_status', 28],
  ['new_version', 16],
  ['version_status', 12],
  ['note', 10],
  ['note_status', 4],
  ['assignees', 10],
  ['shot_cut', 6],
  ['retire', 3],
  ['revive', 3],
  ['new_shot', 2],
];
const WEIGHT_TOTAL = WEIGHTS.reduce((a, [, w]) => a + w, 0);

const FINAL = new Set(['fin', 'apr', 'cmpt']);

/** Most recent ids are the ones people are working on: pick from the tail, biased to it. */
const RECENT = 300;
/** Catch up at most this much time's worth of budget after a stall (no bursts). */
const MAX_CATCH_UP_S = 0.5;
/** Re-read the store's rows this often, to see other clients' creates and retirements. */
const REFRESH_MS = 5000;
/** Something retired is revived no sooner than this. */
const REVIVE_AFTER_MS = 3000;

const NOTE_LINES = [
  'Can we get a tighter crop on this?',
  'Motion blur looks too strong on the fast move.',
  'Good progress, keep going.',
  'Approved pending the edge fix.',
  'Hold on this one, edit is changing.',
  'Please check the frame range against the cut.',
  'Shadows feel a bit lifted compared to the plate.',
  'Looks great on the big screen. Final.',
];

const isLink = (v: unknown): v is Link =>
  v !== null && typeof v === 'object' && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

interface Cache {
  at: number;
  users: Link[];
  supervisors: Link[];
  coordinators: Link[];
  projects: number[];
  sequences: number[];
  shots: number[];
  tasks: number[];
  shotTasks: number[];
  tasksByEntity: Map<string, number[]>;
  versions: number[];
  notes: number[];
  shotSteps: number[];
  /** Highest version number per task, and shot number per sequence, for new codes. */
  versionNo: Map<number, number>;
  shotNo: Map<number, number>;
}

export class TrafficGenerator {
  private store: SandboxStore;
  private _rate: number;
  private actorsOpt: Actor[] | undefined;
  private rand: () => number;
  private tickMs: number;
  private now: () => number;
  private log: ((m: string) => void) | undefined;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private budget = 0;
  private last = 0;
  private cache: Cache | null = null;
  private retired: Array<{ type: string; id: number; at: number }> = [];
  private s: TrafficStats;

  constructor(opts: TrafficOptions) {
    this.store = opts.store;
    this._rate = Math.max(0, opts.rate);
    this.actorsOpt = opts.actors;
    this.rand = prng(opts.seed ?? 0x7aff1c);
    this.tickMs = opts.tickMs ?? 50;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.s = {
      running: false,
      rate: this._rate,
      writes: 0,
      events: 0,
      errors: 0,
      actions: Object.fromEntries(WEIGHTS.map(([a]) => [a, 0])) as Record<TrafficAction, number>,
      lastError: null,
    };
  }

  get rate(): number {
    return this._rate;
  }

  /** A snapshot (safe to JSON-serialise and to keep). */
  get stats(): TrafficStats {
    return { ...this.s, running: this.running, rate: this._rate, actions: { ...this.s.actions } };
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  setRate(rate: number): void {
    this._rate = Number.isFinite(rate) ? Math.max(0, rate) : 0;
    // No timer while idle; a running generator picks the new rate up on its next tick.
    if (this._rate === 0) this.disarm();
    else if (this.running) this.arm();
  }

  private arm(): void {
    if (this.timer || this._rate === 0 || !this.running) return;
    this.last = this.now();
    this.budget = 0;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    // Never keep the process (a test run, the CLI on Ctrl-C) alive just for traffic.
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    try {
      const now = this.now();
      const elapsed = Math.max(0, now - this.last);
      this.last = now;
      // Budget accrues at `rate`; a positive balance is capped so a stalled event loop
      // does not come back with a burst. A write that overshoots leaves a debt that the
      // next ticks pay off, which keeps the long-run rate right at fractional rates too.
      this.budget = Math.min(this.budget + (this._rate * elapsed) / 1000, Math.max(1, this._rate * MAX_CATCH_UP_S));
      if (this.budget > 0) this.budget -= this.spend(this.budget, this.tickMs * 0.8);
    } catch (e) {
      // Never throw out of the timer: the sandbox must outlive a generator bug.
      this.fail(e);
    }
  }

  /**
   * Writes about `events` events right now (tests, benchmarks, the CLI's `--burst`).
   * Returns the number written (≥ `events` unless nothing could be written).
   */
  burst(events: number): number {
    return this.spend(events, Infinity);
  }

  /** Runs actions until `budget` events are written or `maxMs` of wall time passes. */
  private spend(budget: number, maxMs: number): number {
    const deadline = performance.now() + maxMs;
    let written = 0;
    let idle = 0;
    let n = 0;
    while (written < budget && idle < 25) {
      const got = this.step();
      written += got;
      idle = got === 0 ? idle + 1 : 0;
      // Check the clock every few actions only: performance.now() is not free.
      if (++n % 8 === 0 && performance.now() > deadline) break;
    }
    return written;
  }

  /** One action; returns the events it made. */
  private step(): number {
    const c = this.refresh();
    if (c.users.length === 0) return 0;
    let r = this.rand() * WEIGHT_TOTAL;
    let action: TrafficAction = 'task_status';
    for (const [a, w] of WEIGHTS) {
      if ((r -= w) < 0) {
        action = a;
        break;
      }
    }
    const before = this.store.eventCount;
    try {
      this.run(action, c);
    } catch (e) {
      this.fail(e);
    }
    const made = this.store.eventCount - before;
    if (made > 0) {
      this.s.events += made;
      this.s.actions[action]++;
    }
    return made;
  }

  private fail(e: unknown): void {
    this.s.errors++;
    this.s.lastError = e instanceof Error ? e.message : String(e);
    this.log?.(`traffic: ${this.s.lastError}`);
  }

  // ---------------------------------------------------------------- the site as seen

  private refresh(): Cache {
    const now = this.now();
    if (this.cache && now - this.cache.at < REFRESH_MS) return this.cache;
    const live = (type: string) => this.store.rows(type).filter((r) => !r.retired);
    const people = live('HumanUser').filter((r) => r.data.sg_status_list !== 'dis');
    let users: Link[];
    if (this.actorsOpt?.length) {
      users = this.actorsOpt.map((a) => ({ type: a.type, id: a.id }));
    } else {
      const crew = people.filter((r) => r.data.login !== 'admin');
      users = (crew.length ? crew : people).map((r) => ({ type: 'HumanUser', id: r.id }));
    }
    const inDept = (d: string) => {
      const ids = new Set(people.filter((r) => r.data.department === d).map((r) => r.id));
      return users.filter((u) => ids.has(u.id));
    };
    const tasks = live('Task');
    const tasksByEntity = new Map<string, number[]>();
    const shotTasks: number[] = [];
    for (const t of tasks) {
      const e = t.data.entity;
      if (!isLink(e)) continue;
      const k = `${e.type}:${e.id}`;
      tasksByEntity.set(k, [...(tasksByEntity.get(k) ?? []), t.id]);
      if (e.type === 'Shot') shotTasks.push(t.id);
    }
    const versions = live('Version');
    const versionNo = new Map<number, number>();
    for (const v of versions) {
      const t = v.data.sg_task;
      const m = /_v(\d+)$/.exec(String(v.data.code ?? ''));
      if (isLink(t) && m) versionNo.set(t.id, Math.max(versionNo.get(t.id) ?? 0, Number(m[1])));
    }
    const shots = live('Shot');
    const shotNo = new Map<number, number>();
    for (const s of shots) {
      const q = s.data.sg_sequence;
      const m = /_(\d+)$/.exec(String(s.data.code ?? ''));
      if (isLink(q)) shotNo.set(q.id, Math.max(shotNo.get(q.id) ?? 0, m ? Number(m[1]) : 0));
    }
    this.cache = {
      at: now,
      users,
      supervisors: inDept('Supervision'),
      coordinators: inDept('Production'),
      projects: live('Project').map((r) => r.id),
      sequences: live('Sequence').map((r) => r.id),
      shots: shots.map((r) => r.id),
      tasks: tasks.map((r) => r.id),
      shotTasks,
      tasksByEntity,
      versions: versions.map((r) => r.id),
      notes: live('Note').map((r) => r.id),
      shotSteps: live('Step')
        .filter((r) => r.data.entity_type === 'Shot')
        .map((r) => r.id),
      versionNo,
      shotNo,
    };
    return this.cache;
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length ? xs[Math.floor(this.rand() * xs.length)] : undefined;
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  /** A live row from a cached id list, biased towards recent ids when `recent`. */
  private live(type: string, ids: number[], recent = false, accept?: (r: Row) => boolean): Row | undefined {
    for (let tries = 0; tries < 6 && ids.length; tries++) {
      const span = Math.min(ids.length, RECENT);
      const i = recent ? ids.length - 1 - Math.floor(this.rand() * this.rand() * span) : Math.floor(this.rand() * ids.length);
      const row = this.store.get(type, ids[i]!);
      if (!row || row.retired) {
        // Gone (another client retired it): forget it until the next refresh.
        ids.splice(i, 1);
        continue;
      }
      if (!accept || accept(row)) return row;
    }
    return undefined;
  }

  /** Someone from `pool` who is also one of the writers, else any writer. */
  private as(pool: Link[], c: Cache): Actor {
    const mine = pool.filter((l) => c.users.some((u) => u.type === l.type && u.id === l.id));
    const l = this.pick(mine) ?? this.pick(c.users)!;
    // People work in the web app, so their events carry a browser session (one per person).
    return { type: l.type as Actor['type'], id: l.id, sessionUuid: sessionOf(l.id) };
  }

  private assigneeOf(task: Row, c: Cache): Actor {
    return this.as((task.data.task_assignees as Link[] | undefined) ?? [], c);
  }

  // ---------------------------------------------------------------- writes

  private create(type: string, data: Record<string, unknown>, actor: Actor): Row {
    const row = this.store.create(type, data, actor);
    this.s.writes++;
    return row;
  }

  private update(type: string, id: number, data: Record<string, unknown>, actor: Actor, modes?: Record<string, 'add' | 'remove'>): void {
    this.store.update(type, id, data, actor, modes);
    this.s.writes++;
  }

  private run(action: TrafficAction, c: Cache): void {
    switch (action) {
      case 'task_status':
        return this.taskStatus(c);
      case 'new_version':
        return this.newVersion(c);
      case 'version_status':
        return this.versionStatus(c);
      case 'note':
        return this.note(c);
      case 'note_status':
        return this.noteStatus(c);
      case 'assignees':
        return this.assignees(c);
      case 'shot_cut':
        return this.shotCut(c);
      case 'retire':
        return this.retire(c);
      case 'revive':
        return this.revive();
      case 'new_shot':
        return this.newShot(c);
    }
  }

  /** wtg → rdy → ip → rev → ip | fin | apr; finished work is occasionally reopened. */
  private taskStatus(c: Cache): void {
    const task = this.live('Task', c.tasks, false, (r) => !FINAL.has(String(r.data.sg_status_list)) || this.rand() < 0.1);
    if (!task) return;
    const cur = String(task.data.sg_status_list ?? 'wtg');
    const r = this.rand();
    const next =
      cur === 'wtg' ? 'rdy'
      : cur === 'rdy' ? 'ip'
      : cur === 'ip' ? (r < 0.85 ? 'rev' : 'hld')
      : cur === 'rev' ? (r < 0.35 ? 'ip' : r < 0.8 ? 'fin' : 'apr')
      : cur === 'hld' ? 'ip'
      : FINAL.has(cur) ? 'ip'
      : 'wtg';
    // Artists move their own work along; supervisors sign it off.
    const actor = next === 'fin' || next === 'apr' ? this.as(c.supervisors, c) : this.assigneeOf(task, c);
    this.update('Task', task.id, { sg_status_list: next }, actor);
    this.rollUp(task, next, actor, c);
  }

  /** The shot follows its tasks: in progress once one starts, final once all are. */
  private rollUp(task: Row, status: string, actor: Actor, c: Cache): void {
    const e = task.data.entity;
    if (!isLink(e) || e.type !== 'Shot') return;
    const shot = this.store.get('Shot', e.id);
    if (!shot || shot.retired) return;
    const cur = String(shot.data.sg_status_list);
    let next: string | null = null;
    if (status === 'ip' && (cur === 'wtg' || cur === 'rdy' || cur === 'fin')) next = 'ip';
    if (FINAL.has(status) && cur !== 'fin') {
      const all = (c.tasksByEntity.get(`Shot:${e.id}`) ?? []).map((id) => this.store.get('Task', id));
      if (all.every((t) => !t || t.retired || FINAL.has(String(t.data.sg_status_list)))) next = 'fin';
    }
    if (next && next !== cur) this.update('Shot', shot.id, { sg_status_list: next }, actor);
  }

  private newVersion(c: Cache): void {
    const task =
      this.live('Task', c.shotTasks, false, (r) => ['ip', 'rev', 'rdy'].includes(String(r.data.sg_status_list))) ??
      this.live('Task', c.shotTasks);
    if (!task || !isLink(task.data.entity) || !isLink(task.data.project)) return;
    const shot = this.store.get('Shot', task.data.entity.id);
    if (!shot || shot.retired) return;
    const n = (c.versionNo.get(task.id) ?? 0) + 1;
    const first = typeof shot.data.sg_cut_in === 'number' ? shot.data.sg_cut_in : 1001;
    const last = typeof shot.data.sg_cut_out === 'number' ? shot.data.sg_cut_out : first + 99;
    const step = String(task.data.content ?? 'work').toLowerCase().replace(/[^a-z0-9]+/g, '');
    const code = `${String(shot.data.code)}_${step}_v${String(n).padStart(3, '0')}`;
    const project = this.store.get('Project', task.data.project.id);
    const dir = `/mnt/projects/${String(project?.data.tank_name ?? project?.data.code ?? 'show')}/shots/${String(shot.data.code)}/${step}/v${String(n).padStart(3, '0')}`;
    const actor = this.assigneeOf(task, c);
    const v = this.create(
      'Version',
      {
        project: task.data.project,
        code,
        entity: { type: 'Shot', id: shot.id },
        sg_task: { type: 'Task', id: task.id },
        user: { type: actor.type, id: actor.id },
        description: n === 1 ? 'First pass' : `Addressed notes from v${String(n - 1).padStart(3, '0')}`,
        sg_status_list: 'rev',
        sg_first_frame: first,
        sg_last_frame: last,
        frame_count: last - first + 1,
        frame_range: `${first}-${last}`,
        sg_path_to_frames: `${dir}/${code}.%04d.exr`,
        sg_path_to_movie: `${dir}/${code}.mov`,
        sg_version_type: 'Dailies',
      },
      actor,
    );
    c.versionNo.set(task.id, n);
    c.versions.push(v.id);
    // Submitting for review moves the task to pending review.
    if (task.data.sg_status_list === 'ip' && this.rand() < 0.5) this.update('Task', task.id, { sg_status_list: 'rev' }, actor);
  }

  private versionStatus(c: Cache): void {
    const v = this.live('Version', c.versions, true, (r) => ['rev', 'vwd', 'apr'].includes(String(r.data.sg_status_list)));
    if (!v) return;
    const cur = String(v.data.sg_status_list);
    const r = this.rand();
    const next = cur === 'rev' ? (r < 0.4 ? 'vwd' : r < 0.7 ? 'apr' : 'rej') : cur === 'vwd' ? (r < 0.5 ? 'apr' : 'rej') : 'fin';
    this.update('Version', v.id, { sg_status_list: next }, this.as(c.supervisors, c));
  }

  private note(c: Cache): void {
    const v = this.live('Version', c.versions, true);
    if (!v || !isLink(v.data.project)) return;
    const actor = this.as(c.supervisors, c);
    const links: Link[] = [{ type: 'Version', id: v.id }];
    if (isLink(v.data.entity)) links.push({ type: v.data.entity.type, id: v.data.entity.id });
    const n = this.create(
      'Note',
      {
        project: v.data.project,
        subject: `${String(v.data.code)} notes`,
        content: this.pick(NOTE_LINES)!,
        note_links: links,
        tasks: isLink(v.data.sg_task) ? [{ type: 'Task', id: v.data.sg_task.id }] : [],
        addressings_to: isLink(v.data.user) && v.data.user.type === 'HumanUser' ? [{ type: 'HumanUser', id: v.data.user.id }] : [],
        user: { type: actor.type, id: actor.id },
        sg_note_type: 'Dailies',
      },
      actor,
    );
    c.notes.push(n.id);
  }

  private noteStatus(c: Cache): void {
    const n = this.live('Note', c.notes, true, (r) => r.data.sg_status_list !== 'clsd');
    if (!n) return;
    const next = n.data.sg_status_list === 'opn' && this.rand() < 0.5 ? 'ip' : 'clsd';
    const to = (n.data.addressings_to as Link[] | undefined) ?? [];
    this.update('Note', n.id, { sg_status_list: next }, this.as(to, c));
  }

  /** Multi-entity add/remove, the `added`/`removed` meta shape (docs/shotgrid-wire.md §2.3). */
  private assignees(c: Cache): void {
    const task = this.live('Task', c.tasks);
    if (!task) return;
    const cur = ((task.data.task_assignees as Link[] | undefined) ?? []).filter((l) => l.type === 'HumanUser');
    const actor = this.as(c.coordinators, c);
    if (cur.length >= 2 || (cur.length === 1 && this.rand() < 0.35)) {
      this.update('Task', task.id, { task_assignees: [this.pick(cur)!] }, actor, { task_assignees: 'remove' });
      return;
    }
    const free = c.users.filter((u) => u.type === 'HumanUser' && !cur.some((l) => l.id === u.id));
    const who = this.pick(free);
    if (who) this.update('Task', task.id, { task_assignees: [who] }, actor, { task_assignees: 'add' });
  }

  /** Editorial trims the cut: three field changes in one update. */
  private shotCut(c: Cache): void {
    const shot = this.live('Shot', c.shots);
    if (!shot) return;
    const cutIn = typeof shot.data.sg_cut_in === 'number' ? shot.data.sg_cut_in : 1001;
    const cutOut = typeof shot.data.sg_cut_out === 'number' ? shot.data.sg_cut_out : cutIn + 47;
    let delta = this.int(-12, 12) || 4;
    if (cutOut + delta < cutIn + 8) delta = Math.abs(delta);
    const out = cutOut + delta;
    this.update('Shot', shot.id, { sg_cut_out: out, sg_cut_duration: out - cutIn + 1, sg_tail_out: out + 8 }, this.as(c.coordinators, c));
  }

  private retire(c: Cache): void {
    const useNote = this.rand() < 0.4;
    const type = useNote ? 'Note' : 'Version';
    const row = this.live(type, useNote ? c.notes : c.versions, true);
    if (!row) return;
    this.store.retire(type, row.id, this.as(c.coordinators, c));
    this.s.writes++;
    this.retired.push({ type, id: row.id, at: this.now() });
    // Bounded: very old retirements stay retired.
    if (this.retired.length > 200) this.retired.shift();
  }

  /** Someone restores a deleted Version or Note a little later. */
  private revive(): void {
    const now = this.now();
    const i = this.retired.findIndex((r) => now - r.at >= REVIVE_AFTER_MS);
    if (i < 0) return;
    const [r] = this.retired.splice(i, 1);
    const row = this.store.get(r!.type, r!.id);
    if (!row || !row.retired) return;
    const c = this.cache!;
    if (this.store.revive(r!.type, r!.id, this.as(c.coordinators, c))) {
      this.s.writes++;
      (r!.type === 'Note' ? c.notes : c.versions).push(r!.id);
    }
  }

  private newShot(c: Cache): void {
    const seq = this.live('Sequence', c.sequences);
    if (!seq || !isLink(seq.data.project)) return;
    const n = (c.shotNo.get(seq.id) ?? 0) + 10;
    const duration = this.int(24, 160);
    const actor = this.as(c.coordinators, c);
    const shot = this.create(
      'Shot',
      {
        project: seq.data.project,
        code: `${String(seq.data.code)}_${String(n).padStart(4, '0')}`,
        description: 'Added in the latest cut',
        sg_sequence: { type: 'Sequence', id: seq.id },
        sg_cut_in: 1001,
        sg_cut_out: 1000 + duration,
        sg_cut_duration: duration,
        sg_head_in: 993,
        sg_tail_out: 1008 + duration,
        sg_frame_rate: 24,
      },
      actor,
    );
    c.shotNo.set(seq.id, n);
    c.shots.push(shot.id);
    // The first step's task, so the shot enters the pipeline (Task.entity → Shot.tasks).
    const step = this.store.get('Step', c.shotSteps[0] ?? -1);
    if (!step) return;
    const task = this.create(
      'Task',
      {
        project: seq.data.project,
        content: String(step.data.code),
        entity: { type: 'Shot', id: shot.id },
        step: { type: 'Step', id: step.id },
        sg_status_list: 'rdy',
      },
      actor,
    );
    c.tasks.push(task.id);
    c.shotTasks.push(task.id);
    c.tasksByEntity.set(`Shot:${shot.id}`, [task.id]);
  }
}

/** A stable, uuid-shaped session id per person (repeatable like the rest of the traffic). */
function sessionOf(userId: number): string {
  const hex = (userId * 2654435761 >>> 0).toString(16).padStart(8, '0');
  return `${hex}-5e55-4000-8000-${String(userId).padStart(12, '0')}`;
}
