// version_finaled (port of the original examplePlugins/version_finaled.py): when a Version's
// status becomes one of finalStatuses, pushes a status (targetStatus, or the Version's own
// when null) and the event's date to the entity the Version is linked to (a
// targetEntityType), stamps versionDateField on the Version, optionally links the Version
// from the entity (linkedVersionField), and marks the entity's other Versions superseded:
// supersededField (a checkbox) is set on them and cleared on this one, and, if
// supersededStatus is set, the other Versions that were final get that status.
//
// Differences: the original wrote the target's fields through the Version
// ("entity.Shot.sg_status_list"); here the entity is updated directly, in the same batch. It
// only had the status way of superseding; the checkbox (Version.sg_superseded) is the
// default here because the sandbox has no "superseded" Version status. Only values that
// differ are written; a supersededStatus that is itself final is refused at registration (the
// original silently skipped superseding to avoid an endless loop).
//
// Demo mode: off by default (enabled: false). The demo traffic finals Versions and moves
// Shot statuses itself; this would fight it. Set enabled: true on a real site.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import {
  checkFields,
  dateIn,
  eventEntityId,
  isTimeZone,
  SettingsCheck,
  type FieldInfo,
  type FieldRequirement,
  type ScriptSetting,
} from './_settings.js';

export interface VersionFinaledSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** The Version's status field. */
  versionStatusField: string;
  /** Version statuses that mean "final" (the original's query_statuses). */
  finalStatuses: string[];
  /** The entity type a Version must be linked to (Version.entity). */
  targetEntityType: string;
  /** The target's status field, or null to leave its status alone. */
  targetStatusField: string | null;
  /** The status the target gets; null copies the Version's status. */
  targetStatus: string | null;
  /** A date or date-time field of Version stamped with the event's date, or null. */
  versionDateField: string | null;
  /** A date or date-time field of the target stamped with the event's date, or null. */
  targetDateField: string | null;
  /** An entity field of the target set to the finaled Version, or null. */
  linkedVersionField: string | null;
  /** A checkbox field of Version: true on the entity's other Versions, false on this one; or null. */
  supersededField: string | null;
  /** A Version status the entity's other final Versions get, or null. Must not be final. */
  supersededStatus: string | null;
  /** The time zone the dates are taken in. */
  timezone: string;
}

export const settings: VersionFinaledSettings = {
  enabled: false,
  script: DEMO_SCRIPT,
  versionStatusField: 'sg_status_list',
  finalStatuses: ['fin'],
  targetEntityType: 'Shot',
  targetStatusField: 'sg_status_list',
  targetStatus: null,
  versionDateField: 'sg_date_finaled',
  targetDateField: 'sg_date_finaled',
  linkedVersionField: null,
  supersededField: 'sg_superseded',
  supersededStatus: null,
  timezone: 'America/New_York',
};

type BatchRequest = Parameters<Shotgun['batch']>[0][number];
type Row = { type: string; id: number; [field: string]: unknown };

const PLUGIN = 'version_finaled';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('versionStatusField')
    .stringList('finalStatuses')
    .string('targetEntityType')
    .optionalString('targetStatusField')
    .optionalString('targetStatus')
    .optionalString('versionDateField')
    .optionalString('targetDateField')
    .optionalString('linkedVersionField')
    .optionalString('supersededField')
    .optionalString('supersededStatus');
  if (!isTimeZone(s.timezone)) c.fail('timezone', 'must be an IANA time zone such as "America/New_York"');
  if (s.supersededStatus !== null && s.finalStatuses.includes(s.supersededStatus)) {
    c.fail('supersededStatus', 'must not be one of finalStatuses (superseding would final the other Versions again, endlessly)');
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, versionFinaled, s, {
    matchEvents: { Shotgun_Version_Change: [s.versionStatusField] },
  });
}

const DATE_TYPES = ['date', 'date_time'];

async function checkSchemas(
  sg: Shotgun,
  s: VersionFinaledSettings,
): Promise<{ version: Record<string, FieldInfo>; target: Record<string, FieldInfo> }> {
  const v: FieldRequirement[] = [
    { setting: 'versionStatusField', field: s.versionStatusField, types: ['status_list', 'list'] },
    { setting: 'finalStatuses', field: s.versionStatusField, values: s.finalStatuses },
  ];
  if (s.versionDateField) v.push({ setting: 'versionDateField', field: s.versionDateField, types: DATE_TYPES });
  if (s.supersededField) v.push({ setting: 'supersededField', field: s.supersededField, types: ['checkbox'] });
  if (s.supersededStatus) v.push({ setting: 'supersededStatus', field: s.versionStatusField, values: [s.supersededStatus] });
  const t: FieldRequirement[] = [];
  if (s.targetStatusField) {
    t.push({
      setting: 'targetStatusField',
      field: s.targetStatusField,
      types: ['status_list', 'list'],
      values: s.targetStatus ? [s.targetStatus] : [],
    });
  }
  if (s.targetDateField) t.push({ setting: 'targetDateField', field: s.targetDateField, types: DATE_TYPES });
  if (s.linkedVersionField) t.push({ setting: 'linkedVersionField', field: s.linkedVersionField, types: ['entity'] });
  return {
    version: await checkFields(sg, PLUGIN, 'Version', v),
    target: await checkFields(sg, PLUGIN, s.targetEntityType, t, 'targetEntityType'),
  };
}

/** The event's date as the field wants it: `YYYY-MM-DD` in the time zone, or the instant. */
const stamp = (info: FieldInfo, event: EventLogEntry, tz: string) => (info.dataType === 'date' ? dateIn(event.created_at, tz) : event.created_at);

/** Date-times compare as instants (the site may format them differently). */
const same = (a: unknown, b: unknown) =>
  a === b || (typeof a === 'string' && typeof b === 'string' && a.length > 10 && b.length > 10 && Date.parse(a) === Date.parse(b));

async function versionFinaled(sg: Shotgun, event: EventLogEntry, s: VersionFinaledSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const schema = await checkSchemas(sg, s);
  // The event may be old (a retry, a late event): act on the Version as it is now.
  const version = await sg.findOne<Row & { entity: Entity | null }>(
    'Version',
    [['id', 'is', id]],
    ['code', 'entity', s.versionStatusField, ...(s.versionDateField ? [s.versionDateField] : []), ...(s.supersededField ? [s.supersededField] : [])],
  );
  if (!version) {
    ctx.logger.debug('Could not find Version %d, skipping', id);
    return;
  }
  const status = version[s.versionStatusField];
  if (typeof status !== 'string' || !s.finalStatuses.includes(status)) {
    ctx.logger.debug('Ignoring Version %d: status %j is not one of %j', id, status, s.finalStatuses);
    return;
  }
  const link = version.entity;
  if (!link || link.type !== s.targetEntityType) {
    ctx.logger.debug('Ignoring Version %d: not linked to a %s', id, s.targetEntityType);
    return;
  }

  const batch: BatchRequest[] = [];
  const versionData: Record<string, unknown> = {};
  const versionDate = s.versionDateField ? stamp(schema.version[s.versionDateField]!, event, s.timezone) : null;
  if (s.versionDateField && !same(version[s.versionDateField], versionDate)) versionData[s.versionDateField] = versionDate;
  if (s.supersededField && version[s.supersededField] === true) versionData[s.supersededField] = false;
  if (Object.keys(versionData).length) batch.push({ request_type: 'update', entity_type: 'Version', entity_id: id, data: versionData });

  const targetFields = [s.targetStatusField, s.targetDateField, s.linkedVersionField].filter((f): f is string => !!f);
  if (targetFields.length) {
    const target = await sg.findOne<Row>(s.targetEntityType, [['id', 'is', link.id]], targetFields);
    if (target) {
      const data: Record<string, unknown> = {};
      if (s.targetStatusField) {
        const want = s.targetStatus ?? status;
        const valid = schema.target[s.targetStatusField]!.validValues;
        if (valid && !valid.includes(want))
          ctx.logger.info('%s.%s does not accept %j: status left alone', s.targetEntityType, s.targetStatusField, want);
        else if (target[s.targetStatusField] !== want) data[s.targetStatusField] = want;
      }
      if (s.targetDateField) {
        const d = stamp(schema.target[s.targetDateField]!, event, s.timezone);
        if (!same(target[s.targetDateField], d)) data[s.targetDateField] = d;
      }
      if (s.linkedVersionField) {
        const cur = target[s.linkedVersionField] as Entity | null;
        if (cur?.type !== 'Version' || cur.id !== id) data[s.linkedVersionField] = { type: 'Version', id };
      }
      if (Object.keys(data).length) batch.push({ request_type: 'update', entity_type: s.targetEntityType, entity_id: link.id, data });
    }
  }

  if (s.supersededField || s.supersededStatus) {
    const others = await sg.find<Row>(
      'Version',
      [
        ['entity', 'is', { type: link.type, id: link.id }],
        ['id', 'is_not', id],
      ],
      [s.versionStatusField, ...(s.versionDateField ? [s.versionDateField] : []), ...(s.supersededField ? [s.supersededField] : [])],
    );
    for (const other of others) {
      const data: Record<string, unknown> = {};
      if (s.supersededField && other[s.supersededField] !== true) data[s.supersededField] = true;
      const otherStatus = other[s.versionStatusField];
      if (s.supersededStatus && typeof otherStatus === 'string' && s.finalStatuses.includes(otherStatus)) {
        data[s.versionStatusField] = s.supersededStatus;
        // As the original: a Version superseded from final keeps (or gets) a finaled date.
        if (s.versionDateField && !other[s.versionDateField]) data[s.versionDateField] = versionDate;
      }
      if (Object.keys(data).length) batch.push({ request_type: 'update', entity_type: 'Version', entity_id: other.id, data });
    }
  }

  if (batch.length === 0) {
    ctx.logger.debug('Version %d (%s): nothing to update', id, version.code);
    return;
  }
  await sg.batch(batch);
  ctx.logger.info(
    'Version %d (%s) finaled: %d update(s) to it, %s %d and its other Versions',
    id,
    version.code,
    batch.length,
    s.targetEntityType,
    link.id,
  );
}
