// task_status_update_version_status (port of the original
// examplePlugins/task_status_update_version_status.py): when a Task's status changes, the
// latest Version linked to that Task (Version.sg_task, newest created_at) gets the Version
// status statusMapping gives for it. Task statuses not in the mapping leave the Version alone.
//
// Differences: the original read the mapping from the site's Status entities
// (Status.sg_version_status_mapping); here it is a setting (the sandbox has no Status
// entity). The Version is only written when its status differs.
//
// Demo mode: off by default (enabled: false). It writes Version statuses, which the demo
// traffic moves itself. Set enabled: true on a real site. (With
// version_status_update_task_status also on, keep the two mappings consistent, or a status
// can bounce between a Task and its Version.)
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface TaskStatusUpdateVersionStatusSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Task status → the status its latest Version gets. */
  statusMapping: Record<string, string>;
}

export const settings: TaskStatusUpdateVersionStatusSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  statusMapping: { rev: 'rev', apr: 'apr', fin: 'fin', na: 'na' },
};

const PLUGIN = 'task_status_update_version_status';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().record('statusMapping');
  for (const [k, v] of Object.entries(s.statusMapping))
    if (typeof v !== 'string' || !v) c.fail('statusMapping', `maps ${k} to something that is not a status`);
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, taskStatusChanged, s, {
    matchEvents: { Shotgun_Task_Change: ['sg_status_list'] },
  });
}

async function taskStatusChanged(sg: Shotgun, event: EventLogEntry, s: TaskStatusUpdateVersionStatusSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const versionSchema = await checkFields(sg, PLUGIN, 'Version', [
    { setting: 'statusMapping', field: 'sg_status_list', types: ['status_list'] },
    { setting: 'statusMapping', field: 'sg_task', types: ['entity'] },
  ]);
  // The event may be old (a retry, a late event): act on the Task's status as it is now.
  const task = await sg.findOne<{ type: string; id: number; sg_status_list: string | null }>('Task', [['id', 'is', id]], ['sg_status_list']);
  if (!task) {
    ctx.logger.info('Task %d not found for event %d, skipping', id, event.id);
    return;
  }
  const want = task.sg_status_list ? s.statusMapping[task.sg_status_list] : undefined;
  if (!want) {
    ctx.logger.debug('Task %d: status %j is not mapped, skipping', id, task.sg_status_list);
    return;
  }
  const valid = versionSchema.sg_status_list?.validValues;
  if (valid && !valid.includes(want)) {
    ctx.logger.info('Version status %j (mapped from Task status %j) does not exist, skipping', want, task.sg_status_list);
    return;
  }
  const version = await sg.findOne<{ type: string; id: number; code: string | null; sg_status_list: string | null }>(
    'Version',
    [['sg_task', 'is', { type: 'Task', id }]],
    ['code', 'sg_status_list'],
    [
      { field_name: 'created_at', direction: 'desc' },
      { field_name: 'id', direction: 'desc' },
    ],
  );
  if (!version) {
    ctx.logger.debug('No Version linked to Task %d, skipping', id);
    return;
  }
  if (version.sg_status_list === want) {
    ctx.logger.debug('Version %d is already %s', version.id, want);
    return;
  }
  await sg.update('Version', version.id, { sg_status_list: want });
  ctx.logger.info('Updated Version %d (%s): status %s (Task %d is %s)', version.id, version.code, want, id, task.sg_status_list);
}
