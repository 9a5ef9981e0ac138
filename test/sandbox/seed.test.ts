// The demo studio seed: deterministic, written through the store as the admin so the
// site starts with a real-looking EventLogEntry history (docs/shotgrid-wire.md §2.3).
import { describe, expect, it } from 'vitest';
import { Auth } from '../../electron/sandbox/auth.js';
import { fromApi3 } from '../../electron/sandbox/query.js';
import { SEED_PASSWORD, seedDemo, type SeedSize } from '../../electron/sandbox/seed.js';
import { SandboxStore } from '../../electron/sandbox/store.js';

const fresh = (size: SeedSize) => {
  const store = new SandboxStore();
  const auth = new Auth(store);
  return { store, auth, seed: seedDemo(store, auth, { size }) };
};
const all = fromApi3({ logical_operator: 'and', conditions: [] });
const MAX = { size: 1_000_000, number: 1 };

/** Everything but the wall-clock fields, for comparing two seeds. */
const snapshot = (store: SandboxStore) =>
  ['HumanUser', 'Step', 'TaskTemplate', 'Project', 'Sequence', 'Shot', 'Asset', 'Task', 'Version', 'Note', 'Group'].map((type) =>
    store.rows(type).map((r) => {
      const { created_at, updated_at, ...rest } = r.data;
      return [type, r.id, rest];
    }),
  );

describe('seedDemo', () => {
  it('is deterministic: same rows, same event stream', () => {
    const a = fresh('demo');
    const b = fresh('demo');
    expect(b.seed.counts).toEqual(a.seed.counts);
    expect(b.seed.events).toBe(a.seed.events);
    expect(snapshot(b.store)).toEqual(snapshot(a.store));
    const types = (s: SandboxStore) => s.find('EventLogEntry', { filters: all, fields: ['event_type', 'attribute_name'], page: MAX });
    expect(types(b.store)).toEqual(types(a.store));
  });

  it('demo is a studio: people, steps, two projects, shots with cuts, tasks, versions, notes', () => {
    const { store, seed } = fresh('demo');
    expect(seed.size).toBe('demo');
    expect(seed.projects).toHaveLength(2);
    expect(store.rows('Project').map((p) => p.data.name)).toEqual(['Big Buck Bunny', 'Sintel']);
    expect(store.rows('Step').map((s) => s.data.code)).toEqual(['Layout', 'Animation', 'Lighting', 'Comp', 'Model', 'Rig', 'Surfacing']);
    expect(seed.logins[0]).toBe('admin');
    expect(seed.departments).toContain('Supervision');
    expect(seed.departments).toContain('Production');
    for (const p of seed.projects) {
      const shots = store.rows('Shot').filter((s) => (s.data.project as { id: number }).id === p.id);
      expect(shots.length).toBeGreaterThanOrEqual(10);
      expect(shots.length).toBeLessThanOrEqual(30);
    }
    for (const s of store.rows('Shot')) {
      expect(s.data.sg_cut_duration).toBe((s.data.sg_cut_out as number) - (s.data.sg_cut_in as number) + 1);
    }
    expect(seed.counts.Asset).toBeGreaterThan(10);
    // The Asset task template's 3 Tasks, and each Asset made from it.
    expect(seed.counts.TaskTemplate).toBe(1);
    const template = store.rows('TaskTemplate')[0]!;
    const templateTasks = store.rows('Task').filter((t) => (t.data.task_template as { id: number } | null)?.id === template.id);
    expect(templateTasks.map((t) => t.data.content)).toEqual(['Model', 'Rig', 'Surfacing']);
    expect(templateTasks.every((t) => !t.data.project && !t.data.entity)).toBe(true);
    expect(seed.counts.Task).toBe(seed.counts.Shot! * 4 + seed.counts.Asset! * 3 + templateTasks.length);
    for (const a of store.rows('Asset')) expect(a.data.task_template).toEqual({ type: 'TaskTemplate', id: template.id });
    const made = store.rows('Task').filter((t) => (t.data.entity as { type: string } | null)?.type === 'Asset');
    expect(
      made.every((t) => templateTasks.some((tt) => tt.id === (t.data.template_task as { id: number }).id && tt.data.content === t.data.content)),
    ).toBe(true);
    const work = store.rows('Task').filter((t) => !t.data.task_template);
    expect(work.every((t) => (t.data.task_assignees as unknown[]).length === 1)).toBe(true);
    const statuses = new Set(store.rows('Task').map((t) => t.data.sg_status_list));
    expect(statuses.size).toBeGreaterThanOrEqual(4);
    const v = store.rows('Version')[0]!;
    expect(v.data).toMatchObject({ sg_first_frame: expect.any(Number), sg_task: { type: 'Task' }, frame_range: expect.stringMatching(/^\d+-\d+$/) });
    expect(seed.counts.Version).toBeGreaterThan(100);
    expect(seed.counts.Note).toBeGreaterThan(20);
    expect(seed.counts.Group).toBe(2);
  });

  it('writes an EventLogEntry history as the admin: _New plus in_create _Change rows', () => {
    const { store, seed } = fresh('minimal');
    expect(seed.events).toBe(store.eventCount);
    expect(seed.firstEventId).toBe(1);
    expect(seed.lastEventId).toBe(store.lastEventId);
    const ev = store.find('EventLogEntry', { filters: all, fields: ['event_type', 'attribute_name', 'meta', 'user', 'entity'], page: MAX });
    expect(ev.every((e) => (e.user as { type: string; id: number }).id === seed.admin.id)).toBe(true);
    const shotNew = ev.filter((e) => e.event_type === 'Shotgun_Shot_New');
    expect(shotNew).toHaveLength(seed.counts.Shot!);
    const first = shotNew[0]!;
    const shotId = (first.meta as { entity_id: number }).entity_id;
    const changes = ev.filter((e) => e.event_type === 'Shotgun_Shot_Change' && (e.meta as { entity_id: number }).entity_id === shotId);
    expect(
      changes.every(
        (e) => (e.meta as { in_create?: boolean }).in_create === true || (e.meta as { actual_attribute_changed?: string }).actual_attribute_changed,
      ),
    ).toBe(true);
    expect(changes.map((e) => e.attribute_name)).toEqual(
      expect.arrayContaining(['code', 'sg_cut_in', 'sg_cut_out', 'sg_status_list', 'sg_sequence']),
    );
    // _New comes first (lower id) and every created type shows up.
    expect((first.id as number) < (changes[0]!.id as number)).toBe(true);
    for (const type of ['HumanUser', 'Step', 'Project', 'Sequence', 'Shot', 'Task', 'Version', 'Note']) {
      expect(
        ev.some((e) => e.event_type === `Shotgun_${type}_New`),
        type,
      ).toBe(true);
    }
  });

  it('minimal is small and its people can log in with the seed password', () => {
    const { store, auth, seed } = fresh('minimal');
    expect(seed.counts).toMatchObject({ HumanUser: 2, Project: 1, Sequence: 1, Shot: 2, Task: 4 });
    expect(seed.logins).toEqual(['admin', 'ada']);
    expect(auth.user('admin', SEED_PASSWORD)).toEqual(seed.admin);
    expect(auth.user('ada', SEED_PASSWORD)).toEqual(seed.users[1]);
    expect(store.rows('Version').length).toBeGreaterThan(0);
    expect(store.rows('Note').length).toBeGreaterThan(0);
  });
});
