// update_status_when_note_is_created (port of the original
// examplePlugins/update_status_when_note_is_created.py): when a Note is created, every
// entity of entityType it is linked to whose status is in triggerStatuses gets newStatus
// (by default: a Version pending review becomes "viewed" once someone writes a Note on it).
//
// Demo mode: off by default (enabled: false). It writes Version statuses, which the demo
// traffic moves itself. Set enabled: true on a real site.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateStatusWhenNoteIsCreatedSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  statusField: string;
  triggerStatuses: string[];
  newStatus: string;
}

export const settings: UpdateStatusWhenNoteIsCreatedSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  entityType: 'Version',
  statusField: 'sg_status_list',
  triggerStatuses: ['rev'],
  newStatus: 'vwd',
};

/** One request of sg.batch. */
type BatchRequest = Parameters<Shotgun['batch']>[0][number];

const PLUGIN = 'update_status_when_note_is_created';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .string('statusField')
    .stringList('triggerStatuses')
    .string('newStatus');
  if (s.triggerStatuses.includes(s.newStatus)) c.fail('newStatus', 'must not be one of triggerStatuses');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateStatusWhenNoteIsCreated, s, { matchEvents: { Shotgun_Note_New: null } });
}

async function updateStatusWhenNoteIsCreated(
  sg: Shotgun,
  event: EventLogEntry,
  s: UpdateStatusWhenNoteIsCreatedSettings,
  ctx: CallbackContext,
): Promise<void> {
  const noteId = eventEntityId(event);
  if (noteId === null) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'statusField', field: s.statusField, types: ['status_list', 'list'], values: [...s.triggerStatuses, s.newStatus] },
  ]);
  const note = await sg.findOne<{ type: string; id: number; note_links: Entity[] | null }>('Note', [['id', 'is', noteId]], ['note_links']);
  if (!note) {
    ctx.logger.debug('Note %d not found, skipping', noteId);
    return;
  }
  const ids = (note.note_links ?? []).filter((l) => l.type === s.entityType).map((l) => l.id);
  if (ids.length === 0) {
    ctx.logger.debug('No %s linked to Note %d', s.entityType, noteId);
    return;
  }
  const entities = await sg.find(s.entityType, [['id', 'in', ids]], [s.statusField]);
  const batch: BatchRequest[] = entities
    .filter((e) => s.triggerStatuses.includes(String(e[s.statusField])))
    .map((e) => ({ request_type: 'update', entity_type: s.entityType, entity_id: e.id, data: { [s.statusField]: s.newStatus } }));
  if (batch.length === 0) {
    ctx.logger.info('No updates necessary');
    return;
  }
  await sg.batch(batch);
  ctx.logger.info('Set %s to %s on %s %s', s.statusField, s.newStatus, s.entityType, batch.map((b) => b.entity_id).join(', '));
}
