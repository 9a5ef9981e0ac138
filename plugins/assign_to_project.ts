// assign_to_project (port of the original examplePlugins/assign_to_project.py): when people
// are assigned to a Task (directly, or through a Group), they are added to the Task's
// Project, so they can see it.
//
// The original appended the Project to each HumanUser's `projects`; on a site that is the
// other side of Project.users. This port writes Project.users (the `projectUsersField`
// setting), with an "add" update, so it never drops someone added meanwhile.
//
// Demo mode: safe. The demo traffic assigns people to Tasks, but the seeded people are
// already on their Projects, so it mostly logs "already has" (assign someone new to see it
// write). It only ever adds to Project.users, which the traffic never writes; its own write
// is a Project change, which it does not listen to, so it never loops.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface AssignToProjectSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Task field holding the assignees (HumanUsers and Groups). */
  assigneesField: string;
  /** Group field listing its members. */
  groupUsersField: string;
  /** Project field listing the people on the Project. */
  projectUsersField: string;
}

export const settings: AssignToProjectSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  assigneesField: 'task_assignees',
  groupUsersField: 'users',
  projectUsersField: 'users',
};

const PLUGIN = 'assign_to_project';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck(PLUGIN, s).boolean('enabled').script().string('assigneesField').string('groupUsersField').string('projectUsersField');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, assignToProject, s, {
    matchEvents: { Shotgun_Task_Change: [s.assigneesField] },
  });
}

function isLink(x: unknown): x is Entity {
  return typeof x === 'object' && x !== null && typeof (x as Entity).type === 'string' && typeof (x as Entity).id === 'number';
}

async function assignToProject(sg: Shotgun, event: EventLogEntry, s: AssignToProjectSettings, ctx: CallbackContext): Promise<void> {
  const taskId = eventEntityId(event);
  const added = (Array.isArray(event.meta?.added) ? event.meta.added : []).filter(isLink);
  if (taskId === null || added.length === 0) return;
  await checkFields(sg, PLUGIN, 'Task', [{ setting: 'assigneesField', field: s.assigneesField, types: ['multi_entity'] }]);
  await checkFields(
    sg,
    PLUGIN,
    'Project',
    [{ setting: 'projectUsersField', field: s.projectUsersField, types: ['multi_entity'] }],
    'projectUsersField',
  );

  // The event may be old: only those still assigned count, on the Task's project as it is now.
  const task = await sg.findOne<{ type: string; id: number; project: Entity | null } & Record<string, unknown>>(
    'Task',
    [['id', 'is', taskId]],
    ['project', s.assigneesField],
  );
  if (!task || !isLink(task.project)) {
    ctx.logger.debug('Task %d not found or has no project, skipping', taskId);
    return;
  }
  const current = (Array.isArray(task[s.assigneesField]) ? (task[s.assigneesField] as unknown[]) : []).filter(isLink);
  const stillAssigned = added.filter((a) => current.some((c) => c.type === a.type && c.id === a.id));

  const userIds = new Set<number>();
  for (const a of stillAssigned) if (a.type === 'HumanUser') userIds.add(a.id);
  const groupIds = stillAssigned.filter((a) => a.type === 'Group').map((a) => a.id);
  if (groupIds.length > 0) {
    await checkFields(sg, PLUGIN, 'Group', [{ setting: 'groupUsersField', field: s.groupUsersField, types: ['multi_entity'] }], 'groupUsersField');
    for (const g of await sg.find('Group', [['id', 'in', groupIds]], [s.groupUsersField])) {
      for (const u of (Array.isArray(g[s.groupUsersField]) ? (g[s.groupUsersField] as unknown[]) : []).filter(isLink)) {
        if (u.type === 'HumanUser') userIds.add(u.id);
      }
    }
  }
  if (userIds.size === 0) {
    ctx.logger.debug('Task %d: no HumanUser among the added assignees', taskId);
    return;
  }

  const project = await sg.findOne('Project', [['id', 'is', task.project.id]], [s.projectUsersField]);
  if (!project) return;
  const onProject = (Array.isArray(project[s.projectUsersField]) ? (project[s.projectUsersField] as unknown[]) : []).filter(isLink);
  const missing = [...userIds].filter((id) => !onProject.some((u) => u.type === 'HumanUser' && u.id === id));
  if (missing.length === 0) {
    ctx.logger.debug('Project %d already has HumanUser %s', project.id, [...userIds].join(', '));
    return;
  }
  await sg.update(
    'Project',
    project.id,
    { [s.projectUsersField]: missing.map((id) => ({ type: 'HumanUser', id })) },
    { [s.projectUsersField]: 'add' },
  );
  ctx.logger.info('Added HumanUser %s to Project %d (assigned to Task %d)', missing.join(', '), project.id, taskId);
}
