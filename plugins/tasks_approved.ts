// tasks_approved (port of the original examplePlugins/tasks_approved.py): when a Task is
// approved, each Task downstream of it that is waiting (activateStatuses) becomes ready
// (activeStatus) once all of its upstream Tasks are approved. A downstream Task in one of
// passThroughStatuses (say "na") does not block: the Tasks after it are considered instead,
// and it counts as approved for them. Notes on the approved Task are closed once every Task
// they are about is approved (closedNoteStatus; null turns that off).
//
// Differences from the original: it finds downstream Tasks by querying their upstream field
// (so a site where only one side of the pair was filled in still works), it checks every
// upstream Task (the original skipped the check for a single one), and it compares note
// Tasks against the approved statuses (the original compared a status with a list).
//
// Demo mode: off by default (enabled: false). It writes Task statuses, which the demo
// traffic moves itself. Set enabled: true on a real site. Its own writes never set an
// approved status, so they never trigger it again.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface TasksApprovedSettings {
  enabled: boolean;
  script: ScriptSetting;
  taskStatusField: string;
  /** A Task in one of these is approved. */
  approvedStatuses: string[];
  /** Task field listing the Tasks it depends on. */
  upstreamTasksField: string;
  /** Downstream Tasks in one of these statuses get activeStatus... */
  activateStatuses: string[];
  activeStatus: string;
  /** ...and ones in these are skipped over (their own downstream Tasks are considered). */
  passThroughStatuses: string[];
  /** Note field listing its Tasks, and the status field and value closing it; null: leave Notes alone. */
  noteTasksField: string;
  noteStatusField: string;
  closedNoteStatus: string | null;
}

export const settings: TasksApprovedSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  taskStatusField: 'sg_status_list',
  approvedStatuses: ['apr'],
  upstreamTasksField: 'upstream_tasks',
  activateStatuses: ['wtg'],
  activeStatus: 'rdy',
  passThroughStatuses: ['na'],
  noteTasksField: 'tasks',
  noteStatusField: 'sg_status_list',
  closedNoteStatus: 'clsd',
};

/** One request of sg.batch. */
type BatchRequest = Parameters<Shotgun['batch']>[0][number];

const PLUGIN = 'tasks_approved';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('taskStatusField')
    .stringList('approvedStatuses')
    .string('upstreamTasksField')
    .stringList('activateStatuses')
    .string('activeStatus')
    .stringList('passThroughStatuses', { empty: true })
    .string('noteTasksField')
    .string('noteStatusField')
    .optionalString('closedNoteStatus');
  if (s.approvedStatuses.includes(s.activeStatus)) c.fail('activeStatus', 'must not be one of approvedStatuses (it would trigger itself)');
  if (s.activateStatuses.includes(s.activeStatus)) c.fail('activeStatus', 'must not be one of activateStatuses');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, tasksApproved, s, {
    matchEvents: { Shotgun_Task_Change: [s.taskStatusField] },
  });
}

const linksOf = (v: unknown): Entity[] => (Array.isArray(v) ? v.filter((x: Partial<Entity> | null): x is Entity => typeof x?.id === 'number') : []);

async function tasksApproved(sg: Shotgun, event: EventLogEntry, s: TasksApprovedSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null || !s.approvedStatuses.includes(String(event.meta?.new_value))) return;
  await checkFields(
    sg,
    PLUGIN,
    'Task',
    [
      {
        setting: 'taskStatusField',
        field: s.taskStatusField,
        types: ['status_list', 'list'],
        values: [...s.approvedStatuses, ...s.activateStatuses, s.activeStatus, ...s.passThroughStatuses],
      },
      { setting: 'upstreamTasksField', field: s.upstreamTasksField, types: ['multi_entity'] },
    ],
    'taskStatusField',
  );

  // The event may be old: act only if the Task is still approved.
  const task = await sg.findOne('Task', [['id', 'is', id]], [s.taskStatusField]);
  if (!task || !s.approvedStatuses.includes(String(task[s.taskStatusField]))) {
    ctx.logger.debug('Task %d is no longer approved, skipping', id);
    return;
  }
  const done = (status: unknown) => s.approvedStatuses.includes(String(status)) || s.passThroughStatuses.includes(String(status));
  const batch: BatchRequest[] = [];

  // Walk downstream from the approved Task, through pass-through Tasks.
  const seen = new Set<number>([id]);
  let frontier = [id];
  while (frontier.length > 0) {
    const next: number[] = [];
    const downstream = await sg.find(
      'Task',
      [[s.upstreamTasksField, 'in', frontier.map((t) => ({ type: 'Task', id: t }))]],
      [s.taskStatusField, s.upstreamTasksField],
    );
    for (const d of downstream) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      const status = String(d[s.taskStatusField]);
      if (s.passThroughStatuses.includes(status)) {
        next.push(d.id);
        continue;
      }
      if (!s.activateStatuses.includes(status)) continue;
      const upstreamIds = linksOf(d[s.upstreamTasksField]).map((u) => u.id);
      const upstream = upstreamIds.length ? await sg.find('Task', [['id', 'in', upstreamIds]], [s.taskStatusField]) : [];
      const waitingOn = upstream.filter((u) => !done(u[s.taskStatusField]));
      if (waitingOn.length > 0) {
        ctx.logger.debug('Task %d still waits on Task %s', d.id, waitingOn.map((u) => u.id).join(', '));
        continue;
      }
      batch.push({ request_type: 'update', entity_type: 'Task', entity_id: d.id, data: { [s.taskStatusField]: s.activeStatus } });
    }
    frontier = next;
  }

  if (s.closedNoteStatus) {
    await checkFields(
      sg,
      PLUGIN,
      'Note',
      [
        { setting: 'noteTasksField', field: s.noteTasksField, types: ['multi_entity'] },
        { setting: 'noteStatusField', field: s.noteStatusField, types: ['status_list', 'list'], values: [s.closedNoteStatus] },
      ],
      'noteTasksField',
    );
    const notes = await sg.find('Note', [[s.noteTasksField, 'is', { type: 'Task', id }]], [s.noteTasksField, s.noteStatusField]);
    for (const n of notes) {
      if (n[s.noteStatusField] === s.closedNoteStatus) continue;
      const taskIds = linksOf(n[s.noteTasksField]).map((t) => t.id);
      const noteTasks = await sg.find('Task', [['id', 'in', taskIds]], [s.taskStatusField]);
      if (noteTasks.every((t) => s.approvedStatuses.includes(String(t[s.taskStatusField])))) {
        batch.push({ request_type: 'update', entity_type: 'Note', entity_id: n.id, data: { [s.noteStatusField]: s.closedNoteStatus } });
      }
    }
  }

  if (batch.length === 0) {
    ctx.logger.info('Task %d approved: nothing to do', id);
    return;
  }
  await sg.batch(batch);
  ctx.logger.info('Task %d approved: updated %s', id, batch.map((b) => `${b.entity_type} ${b.entity_id}`).join(', '));
}
