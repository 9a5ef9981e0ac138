// field_to_field (port of the original examplePlugins/field_to_field.py): when an entity's
// fromField is set to fromValue, sets its toField to toValue (by default: a Task set to
// "na" gets its bid zeroed).
//
// Demo mode: safe. The demo traffic never sets a Task to "na", so it only fires when you do;
// it writes only toField and checks the current values first, so it never loops.
import { isDeepStrictEqual } from 'node:util';
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface FieldToFieldSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  fromField: string;
  /** The value that triggers the update (null is a value too: "field cleared"). */
  fromValue: unknown;
  toField: string;
  toValue: unknown;
}

export const settings: FieldToFieldSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Task',
  fromField: 'sg_status_list',
  fromValue: 'na',
  toField: 'est_in_mins',
  toValue: 0,
};

const PLUGIN = 'field_to_field';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().string('entityType').string('fromField').string('toField');
  if (!('fromValue' in s) || s.fromValue === undefined) c.fail('fromValue', 'is required (null means "cleared")');
  if (!('toValue' in s) || s.toValue === undefined) c.fail('toValue', 'is required (null clears the field)');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateFieldValue, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [s.fromField] },
  });
}

async function updateFieldValue(sg: Shotgun, event: EventLogEntry, s: FieldToFieldSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  if (!isDeepStrictEqual(event.meta?.new_value ?? null, s.fromValue)) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'fromField', field: s.fromField },
    { setting: 'toField', field: s.toField },
  ]);
  // The event may be old (a retry, a late event): act on the entity as it is now.
  const entity = await sg.findOne(s.entityType, [['id', 'is', id]], [s.fromField, s.toField]);
  if (!entity || !isDeepStrictEqual(entity[s.fromField] ?? null, s.fromValue)) {
    ctx.logger.debug('%s %d: %s is no longer %j, skipping', s.entityType, id, s.fromField, s.fromValue);
    return;
  }
  if (isDeepStrictEqual(entity[s.toField] ?? null, s.toValue)) {
    ctx.logger.debug('%s %d: %s is already %j', s.entityType, id, s.toField, s.toValue);
    return;
  }
  await sg.update(s.entityType, id, { [s.toField]: s.toValue });
  ctx.logger.info('Updated %s %d: %s = %j', s.entityType, id, s.toField, s.toValue);
}
