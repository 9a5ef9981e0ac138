// update_version_cut_values: when a Version is linked to a Shot (a new Version, or one
// re-linked), copies the Shot's cut fields onto it (by default cut in, cut out and cut
// duration); with followEntityChanges, a change to the Shot's cut fields is copied to all its
// Versions too. Empty Shot values are not copied (they never clear a Version's value).
//
// Differences: the original examplePlugins/update_version_cut_values.py kept a Version's own
// frame, cut, head and tail fields consistent with each other (fields the sandbox's Version
// does not have: sg_head_duration, sg_tail_duration). This port gives Versions their Shot's
// cut, which is what the pipeline reads them for; the fields are settings.
//
// Demo mode: safe. The demo traffic links each new Version to a Shot and never writes a
// Version's cut fields, so the plugin just fills them. It listens to the Version's link and
// writes only cut fields (and only those that differ): no loop.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateVersionCutValuesSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** The entity type the cut values come from. */
  entityType: string;
  /** The Version's entity field linking it to that entity. */
  versionLinkField: string;
  /** Entity field → the Version field it is copied to. */
  fields: Record<string, string>;
  /** Also copy when the entity's fields change, to every Version linked to it. */
  followEntityChanges: boolean;
}

export const settings: UpdateVersionCutValuesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Shot',
  versionLinkField: 'entity',
  fields: { sg_cut_in: 'sg_cut_in', sg_cut_out: 'sg_cut_out', sg_cut_duration: 'sg_cut_duration' },
  followEntityChanges: false,
};

const PLUGIN = 'update_version_cut_values';

type Row = { type: string; id: number; [field: string]: unknown };

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .string('versionLinkField')
    .record('fields')
    .boolean('followEntityChanges');
  for (const [k, v] of Object.entries(s.fields)) if (typeof v !== 'string' || !v) c.fail('fields', `maps ${k} to something that is not a field name`);
  if (Object.values(s.fields).includes(s.versionLinkField)) c.fail('fields', `must not write the Version's link field ${s.versionLinkField}`);
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, versionLinked, s, {
    matchEvents: { Shotgun_Version_Change: [s.versionLinkField] },
  });
  if (s.followEntityChanges) {
    reg.registerCallback(s.script.name, s.script.key, entityChanged, s, {
      matchEvents: { [`Shotgun_${s.entityType}_Change`]: Object.keys(s.fields) },
    });
  }
}

async function check(sg: Shotgun, s: UpdateVersionCutValuesSettings): Promise<void> {
  const versionSchema = await checkFields(sg, PLUGIN, 'Version', [
    { setting: 'versionLinkField', field: s.versionLinkField, types: ['entity'] },
    ...Object.values(s.fields).map((field) => ({ setting: 'fields', field })),
  ]);
  const entitySchema = await checkFields(
    sg,
    PLUGIN,
    s.entityType,
    Object.keys(s.fields).map((field) => ({ setting: 'fields', field })),
  );
  for (const [from, to] of Object.entries(s.fields)) {
    if (entitySchema[from]!.dataType !== versionSchema[to]!.dataType) {
      throw new Error(
        `${PLUGIN}: setting "fields" copies ${s.entityType}.${from} (${entitySchema[from]!.dataType}) to Version.${to} (${versionSchema[to]!.dataType})`,
      );
    }
  }
}

/** The Version fields that differ from the entity's non-empty values. */
function diff(s: UpdateVersionCutValuesSettings, entity: Row, version: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(s.fields)) {
    const v = entity[from];
    if (v !== null && v !== undefined && v !== '' && version[to] !== v) out[to] = v;
  }
  return out;
}

async function versionLinked(sg: Shotgun, event: EventLogEntry, s: UpdateVersionCutValuesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await check(sg, s);
  // The event may be old (a retry, a late event): copy from what the Version is linked to now.
  const version = await sg.findOne<Row>('Version', [['id', 'is', id]], [s.versionLinkField, ...Object.values(s.fields)]);
  const link = version?.[s.versionLinkField] as Entity | null | undefined;
  if (!version || !link || link.type !== s.entityType) {
    ctx.logger.debug('Version %d is not linked to a %s, skipping', id, s.entityType);
    return;
  }
  const entity = await sg.findOne<Row>(s.entityType, [['id', 'is', link.id]], Object.keys(s.fields));
  if (!entity) return;
  const update = diff(s, entity, version);
  if (Object.keys(update).length === 0) {
    ctx.logger.debug('Version %d already has the cut of %s %d', id, s.entityType, link.id);
    return;
  }
  await sg.update('Version', id, update);
  ctx.logger.info('Updated Version %d from %s %d with %j', id, s.entityType, link.id, update);
}

async function entityChanged(sg: Shotgun, event: EventLogEntry, s: UpdateVersionCutValuesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await check(sg, s);
  const entity = await sg.findOne<Row>(s.entityType, [['id', 'is', id]], Object.keys(s.fields));
  if (!entity) return;
  const versions = await sg.find<Row>('Version', [[s.versionLinkField, 'is', { type: s.entityType, id }]], Object.values(s.fields));
  const batch: Parameters<Shotgun['batch']>[0][number][] = [];
  for (const version of versions) {
    const data = diff(s, entity, version);
    if (Object.keys(data).length) batch.push({ request_type: 'update', entity_type: 'Version', entity_id: version.id, data });
  }
  if (batch.length === 0) return;
  await sg.batch(batch);
  ctx.logger.info('Copied the cut of %s %d to %d Version(s)', s.entityType, id, batch.length);
}
