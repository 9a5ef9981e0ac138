// version_status_update_task_status (port of the original
// examplePlugins/version_status_update_task_status.py): when a Version's status changes, its
// Task's status follows through statusMapping (Version status → Task status), and when the
// Version is approved, dateApprovedField is stamped with the event's date in
// dateApprovedTimezone. Both writes go in one batch.
//
// Differences: the original read the mapping from the site's Status entities
// (Status.sg_task_status_mapping); here it is a setting (the sandbox has no Status entity).
// dateApprovedField defaults to null (off): the sandbox's Version has no approval date field;
// on a real site use e.g. 'client_approved_at'.
//
// Demo mode: off by default (enabled: false). It writes Task statuses, which the demo
// traffic moves itself. Set enabled: true on a real site.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, dateIn, eventEntityId, isTimeZone, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface VersionStatusUpdateTaskStatusSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Version status → the status its Task gets. Statuses not listed leave the Task alone. */
  statusMapping: Record<string, string>;
  approvedStatusCode: string;
  /** A date or date-time field of Version, or null. */
  dateApprovedField: string | null;
  dateApprovedTimezone: string;
}

export const settings: VersionStatusUpdateTaskStatusSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  statusMapping: { rev: 'rev', apr: 'apr', rej: 'ip', fin: 'fin' },
  approvedStatusCode: 'apr',
  dateApprovedField: null,
  dateApprovedTimezone: 'US/Pacific',
};

/** One request of sg.batch. */
type BatchRequest = Parameters<Shotgun['batch']>[0][number];

const PLUGIN = 'version_status_update_task_status';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().record('statusMapping', { empty: true }).string('approvedStatusCode');
  c.optionalString('dateApprovedField');
  for (const [k, v] of Object.entries(s.statusMapping))
    if (typeof v !== 'string' || !v) c.fail('statusMapping', `maps ${k} to something that is not a status`);
  if (!isTimeZone(s.dateApprovedTimezone)) c.fail('dateApprovedTimezone', 'must be an IANA time zone such as "Europe/London"');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, versionStatusChanged, s, {
    matchEvents: { Shotgun_Version_Change: ['sg_status_list'] },
  });
}

async function versionStatusChanged(
  sg: Shotgun,
  event: EventLogEntry,
  s: VersionStatusUpdateTaskStatusSettings,
  ctx: CallbackContext,
): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const taskSchema = await checkFields(sg, PLUGIN, 'Task', [
    { setting: 'statusMapping', field: 'sg_status_list', values: Object.values(s.statusMapping) },
  ]);
  const versionSchema = s.dateApprovedField
    ? await checkFields(sg, PLUGIN, 'Version', [{ setting: 'dateApprovedField', field: s.dateApprovedField, types: ['date', 'date_time'] }])
    : null;
  const version = await sg.findOne<{ type: string; id: number; sg_task: Entity | null; sg_status_list: string | null; [f: string]: unknown }>(
    'Version',
    [['id', 'is', id]],
    ['sg_task', 'sg_status_list', 'sg_task.Task.sg_status_list', ...(s.dateApprovedField ? [s.dateApprovedField] : [])],
  );
  if (!version) {
    ctx.logger.info('Version %d not found for event %d', id, event.id);
    return;
  }
  const status = version.sg_status_list;
  const batch: BatchRequest[] = [];
  if (version.sg_task && status) {
    const taskStatus = s.statusMapping[status];
    const current = version['sg_task.Task.sg_status_list'];
    ctx.logger.debug('Version status %s maps to Task status %s (now %s)', status, taskStatus, current);
    if (taskStatus && taskStatus !== current) {
      if (taskSchema.sg_status_list?.validValues?.includes(taskStatus) === false) {
        ctx.logger.info('Invalid Task status %s: cannot update the Task of Version %d', taskStatus, id);
      } else {
        batch.push({ request_type: 'update', entity_type: 'Task', entity_id: version.sg_task.id, data: { sg_status_list: taskStatus } });
      }
    }
  }
  if (status === s.approvedStatusCode && s.dateApprovedField && versionSchema) {
    const date = versionSchema[s.dateApprovedField]!.dataType === 'date' ? dateIn(event.created_at, s.dateApprovedTimezone) : event.created_at;
    if (version[s.dateApprovedField] !== date) {
      batch.push({ request_type: 'update', entity_type: 'Version', entity_id: id, data: { [s.dateApprovedField]: date } });
    }
  }
  if (batch.length === 0) return;
  ctx.logger.info('Running %d batch command(s) to update Version %d and its Task', batch.length, id);
  const results = await sg.batch(batch);
  ctx.logger.debug('results: %j', results);
}
