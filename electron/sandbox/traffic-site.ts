// The sandbox traffic generator's picture of the site (traffic.ts): who may write, and the
// live ids of each kind of row it acts on, re-read from the store now and then so that
// other clients' creates and retirements show up.

import type { Actor, Link, SandboxStore } from './store.js';

export const isLink = (v: unknown): v is Link =>
  v !== null && typeof v === 'object' && typeof (v as Link).type === 'string' && typeof (v as Link).id === 'number';

export interface Cache {
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

/** Reads the site as it is at `now`; `actors` overrides who writes (default: the crew). */
export function readSite(store: SandboxStore, actors: Actor[] | undefined, now: number): Cache {
  const live = (type: string) => store.rows(type).filter((r) => !r.retired);
  const people = live('HumanUser').filter((r) => r.data.sg_status_list !== 'dis');
  let users: Link[];
  if (actors?.length) {
    users = actors.map((a) => ({ type: a.type, id: a.id }));
  } else {
    const crew = people.filter((r) => r.data.login !== 'admin');
    users = (crew.length ? crew : people).map((r) => ({ type: 'HumanUser', id: r.id }));
  }
  const inDept = (d: string) => {
    const ids = new Set(people.filter((r) => r.data.department === d).map((r) => r.id));
    return users.filter((u) => ids.has(u.id));
  };
  // A TaskTemplate's Tasks are not work anyone does: the traffic leaves them alone.
  const tasks = live('Task').filter((t) => !isLink(t.data.task_template));
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
  return {
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
}
