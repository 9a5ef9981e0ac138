// task_status_update_entity_status (port of the original
// examplePlugins/task_status_update_entity_status.py): a Task's status drives its linked
// entity's status (a Shot, an Asset...):
// - a Task set to final or n/a: when every Task of the entity is final or n/a (and not all
//   n/a), the entity becomes final, unless it is disabled (targetDisableStatus);
// - a Task set to in progress: the entity becomes in progress;
// - a Task leaving final or n/a: a final entity goes back to in progress.
//
// Demo mode: off by default (enabled: false). It writes Shot/Asset statuses, which the demo
// traffic already rolls up itself; the two would fight. Set enabled: true on a real site.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, entitySchema, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface TaskStatusUpdateEntityStatusSettings {
  enabled: boolean;
  script: ScriptSetting;
  taskStatusField: string;
  taskFinStatus: string;
  taskIpStatus: string;
  taskNaStatus: string;
  targetStatusField: string;
  targetFinStatus: string;
  targetIpStatus: string;
  targetDisableStatus: string;
}

export const settings: TaskStatusUpdateEntityStatusSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  taskStatusField: 'sg_status_list',
  taskFinStatus: 'fin',
  taskIpStatus: 'ip',
  taskNaStatus: 'na',
  targetStatusField: 'sg_status_list',
  targetFinStatus: 'fin',
  targetIpStatus: 'ip',
  targetDisableStatus: 'na',
};

const PLUGIN = 'task_status_update_entity_status';
type S = TaskStatusUpdateEntityStatusSettings;

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script();
  for (const k of [
    'taskStatusField',
    'taskFinStatus',
    'taskIpStatus',
    'taskNaStatus',
    'targetStatusField',
    'targetFinStatus',
    'targetIpStatus',
    'targetDisableStatus',
  ] as const) {
    c.string(k);
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateEntityStatus, s, {
    matchEvents: { Shotgun_Task_Change: [s.taskStatusField] },
  });
}

async function updateEntityStatus(sg: Shotgun, event: EventLogEntry, s: S, ctx: CallbackContext): Promise<void> {
  const taskId = eventEntityId(event);
  const oldValue = event.meta?.old_value ?? null;
  const newValue = event.meta?.new_value ?? null;
  if (taskId === null) return;
  await checkFields(sg, PLUGIN, 'Task', [
    { setting: 'taskStatusField', field: s.taskStatusField, values: [s.taskFinStatus, s.taskIpStatus, s.taskNaStatus] },
  ]);
  const task = await sg.findOne<{ type: string; id: number; entity: Entity | null; [f: string]: unknown }>(
    'Task',
    [['id', 'is', taskId]],
    ['entity', s.taskStatusField],
  );
  if (!task?.entity) {
    ctx.logger.debug('Task %d is gone or not linked to an entity, skipping', taskId);
    return;
  }
  const link = task.entity;
  // The linked type may have no such status field (a Project, say): nothing to do.
  if (!(await entitySchema(sg, PLUGIN, link.type))[s.targetStatusField]) {
    ctx.logger.debug('%s has no %s field, skipping', link.type, s.targetStatusField);
    return;
  }
  const entity = await sg.findOne(link.type, [['id', 'is', link.id]], [s.targetStatusField]);
  if (!entity) return;
  const current = entity[s.targetStatusField];
  const label = `${link.type} ${link.name ?? link.id}`;
  const setStatus = async (status: string) => {
    if (current === status) {
      ctx.logger.debug('%s is already %s', label, status);
      return;
    }
    await sg.update(link.type, link.id, { [s.targetStatusField]: status });
    ctx.logger.info('Updated %s: %s = %s', label, s.targetStatusField, status);
  };

  if (newValue === s.taskFinStatus || newValue === s.taskNaStatus) {
    const tasks = await sg.find('Task', [['entity', 'is', { type: link.type, id: link.id }]], [s.taskStatusField]);
    const statuses = tasks.map((t) => t[s.taskStatusField]);
    const allFinal = statuses.every((st) => st === s.taskFinStatus || st === s.taskNaStatus) && statuses.some((st) => st !== s.taskNaStatus);
    if (allFinal && current !== s.targetDisableStatus) await setStatus(s.targetFinStatus);
  } else if (newValue === s.taskIpStatus) {
    // Only if the Task is still in progress (the event may be old).
    if (task[s.taskStatusField] === s.taskIpStatus) await setStatus(s.targetIpStatus);
  } else if (oldValue === s.taskFinStatus || oldValue === s.taskNaStatus) {
    if (current === s.targetFinStatus) await setStatus(s.targetIpStatus);
  }
}
