// What the sandbox's simulated studio does, one action at a time: status changes, new
// Versions and Notes, assignee and cut changes, retire/revive, new Shots. Each writes through
// the store as a person from the site; the generator (traffic.ts) decides when and which.

import { isLink, type Cache } from './traffic-site.js';
import type { TrafficAction } from './traffic.js';
import type { Actor, Link, Row, SandboxStore } from './store.js';

const FINAL = new Set(['fin', 'apr', 'cmpt']);

/** Most recent ids are the ones people are working on: pick from the tail, biased to it. */
const RECENT = 300;
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

export class StudioActions {
  private retired: Array<{ type: string; id: number; at: number }> = [];

  constructor(
    private readonly store: SandboxStore,
    private readonly rand: () => number,
    private readonly now: () => number,
    /** Store writes that succeeded, counted into the generator's stats. */
    private readonly counts: { writes: number },
  ) {}

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
    this.counts.writes++;
    return row;
  }

  private update(type: string, id: number, data: Record<string, unknown>, actor: Actor, modes?: Record<string, 'add' | 'remove'>): void {
    this.store.update(type, id, data, actor, modes);
    this.counts.writes++;
  }

  run(action: TrafficAction, c: Cache): void {
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
        return this.revive(c);
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
      cur === 'wtg'
        ? 'rdy'
        : cur === 'rdy'
          ? 'ip'
          : cur === 'ip'
            ? r < 0.85
              ? 'rev'
              : 'hld'
            : cur === 'rev'
              ? r < 0.35
                ? 'ip'
                : r < 0.8
                  ? 'fin'
                  : 'apr'
              : cur === 'hld'
                ? 'ip'
                : FINAL.has(cur)
                  ? 'ip'
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
      this.live('Task', c.shotTasks, false, (r) => ['ip', 'rev', 'rdy'].includes(String(r.data.sg_status_list))) ?? this.live('Task', c.shotTasks);
    if (!task || !isLink(task.data.entity) || !isLink(task.data.project)) return;
    const shot = this.store.get('Shot', task.data.entity.id);
    if (!shot || shot.retired) return;
    const n = (c.versionNo.get(task.id) ?? 0) + 1;
    const first = typeof shot.data.sg_cut_in === 'number' ? shot.data.sg_cut_in : 1001;
    const last = typeof shot.data.sg_cut_out === 'number' ? shot.data.sg_cut_out : first + 99;
    const step = String(task.data.content ?? 'work')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '');
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
    this.counts.writes++;
    this.retired.push({ type, id: row.id, at: this.now() });
    // Bounded: very old retirements stay retired.
    if (this.retired.length > 200) this.retired.shift();
  }

  /** Someone restores a deleted Version or Note a little later. */
  private revive(c: Cache): void {
    const now = this.now();
    const i = this.retired.findIndex((r) => now - r.at >= REVIVE_AFTER_MS);
    if (i < 0) return;
    const [r] = this.retired.splice(i, 1);
    const row = this.store.get(r!.type, r!.id);
    if (!row || !row.retired) return;
    if (this.store.revive(r!.type, r!.id, this.as(c.coordinators, c))) {
      this.counts.writes++;
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
  const hex = ((userId * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${hex}-5e55-4000-8000-${String(userId).padStart(12, '0')}`;
}
