// entity_status_update_task_status (port of the original
// examplePlugins/entity_status_update_task_status.py): when an entity's status changes to
// one of statusMapping's keys, its Tasks are set to the mapped Task status, except Tasks
// already in skipStatuses (by default: an Asset put on hold puts its open Tasks on hold).
// If the entity's descriptionField is empty, it records who did it ("Jo set this Asset to
// hld."), as the original did.
//
// The original took one target_status, the same on the entity and its Tasks; statusMapping
// generalises it ({ hld: 'hld' } is the original's behaviour).
//
// Demo mode: safe. The demo traffic never changes an Asset's status, so it only fires when
// you put an Asset on hold. It writes Tasks and the Asset's description, never the Asset's
// status it listens to, so it never loops; Tasks already in the status are skipped.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface EntityStatusUpdateTaskStatusSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** The entity type whose status is pushed to its Tasks (Task.entity links them). */
  entityType: string;
  statusField: string;
  /** Entity status → the status its Tasks get. */
  statusMapping: Record<string, string>;
  /** Tasks in one of these statuses are left alone. */
  skipStatuses: string[];
  /** Task field holding its status. */
  taskStatusField: string;
  /** Entity text field noting who changed the status (only if empty); null: don't. */
  descriptionField: string | null;
}

export const settings: EntityStatusUpdateTaskStatusSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Asset',
  statusField: 'sg_status_list',
  statusMapping: { hld: 'hld' },
  skipStatuses: ['fin', 'na', 'hld'],
  taskStatusField: 'sg_status_list',
  descriptionField: 'description',
};

/** One request of sg.batch. */
type BatchRequest = Parameters<Shotgun['batch']>[0][number];

const PLUGIN = 'entity_status_update_task_status';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .string('statusField')
    .record('statusMapping')
    .stringList('skipStatuses', { empty: true })
    .string('taskStatusField')
    .optionalString('descriptionField');
  if (s.entityType === 'Task') c.fail('entityType', 'must not be Task (its Tasks are linked through Task.entity)');
  for (const [from, to] of Object.entries(s.statusMapping)) {
    if (typeof to !== 'string' || to === '') c.fail('statusMapping', `maps ${JSON.stringify(from)} to something that is not a status`);
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, entityStatusUpdateTaskStatus, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [s.statusField] },
  });
}

async function entityStatusUpdateTaskStatus(
  sg: Shotgun,
  event: EventLogEntry,
  s: EntityStatusUpdateTaskStatusSettings,
  ctx: CallbackContext,
): Promise<void> {
  const id = eventEntityId(event);
  const newStatus = event.meta?.new_value;
  if (id === null || typeof newStatus !== 'string' || !(newStatus in s.statusMapping)) return;
  const taskStatus = s.statusMapping[newStatus]!;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'statusField', field: s.statusField, types: ['status_list', 'list'], values: Object.keys(s.statusMapping) },
    ...(s.descriptionField ? [{ setting: 'descriptionField', field: s.descriptionField, types: ['text'] }] : []),
  ]);
  await checkFields(
    sg,
    PLUGIN,
    'Task',
    [{ setting: 'taskStatusField', field: s.taskStatusField, types: ['status_list', 'list'], values: Object.values(s.statusMapping) }],
    'taskStatusField',
  );

  // The event may be old: act only if the entity still has that status.
  const fields = [s.statusField, ...(s.descriptionField ? [s.descriptionField] : [])];
  const entity = await sg.findOne(s.entityType, [['id', 'is', id]], fields);
  if (!entity || entity[s.statusField] !== newStatus) {
    ctx.logger.debug('%s %d: %s is no longer %s, skipping', s.entityType, id, s.statusField, newStatus);
    return;
  }
  const batch: BatchRequest[] = [];
  if (s.descriptionField && !entity[s.descriptionField]) {
    const who = (event.user as (Entity & { name?: string }) | null)?.name ?? 'Someone';
    batch.push({
      request_type: 'update',
      entity_type: s.entityType,
      entity_id: id,
      data: { [s.descriptionField]: `${who} set this ${s.entityType} to ${newStatus}.` },
    });
  }
  const tasks = await sg.find('Task', [['entity', 'is', { type: s.entityType, id }]], [s.taskStatusField]);
  for (const t of tasks) {
    const cur = t[s.taskStatusField];
    if (cur === taskStatus || s.skipStatuses.includes(String(cur))) continue;
    batch.push({ request_type: 'update', entity_type: 'Task', entity_id: t.id, data: { [s.taskStatusField]: taskStatus } });
  }
  if (batch.length === 0) {
    ctx.logger.info('%s %d is %s: no updates necessary', s.entityType, id, newStatus);
    return;
  }
  await sg.batch(batch);
  ctx.logger.info('%s %d is %s: updated %s', s.entityType, id, newStatus, batch.map((b) => `${b.entity_type} ${b.entity_id}`).join(', '));
}
