// datestamp (port of the original examplePlugins/datestamp.py): when an entity's status is
// set to one of `statuses` (and, optionally, when it is created), stamps a date field with
// the event's date in `timezone` (or its full time for a date-time field). An existing date
// is kept unless allowDateOverwrite is on.
//
// Demo mode: safe. It writes only Shot.sg_date_finaled, which nothing else writes, when the
// demo traffic finals a Shot; its own write is not a status change, so it never loops.
import type { CallbackContext, EventLogEntry, MatchEvents, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, dateIn, eventEntityId, isTimeZone, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface DatestampSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityTypes: string[];
  statusField: string;
  statuses: string[];
  dateField: string;
  /** IANA time zone the date is taken in. */
  timezone: string;
  allowDateOverwrite: boolean;
  setDateOnEntityCreation: boolean;
}

export const settings: DatestampSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityTypes: ['Shot'],
  statusField: 'sg_status_list',
  statuses: ['fin'],
  dateField: 'sg_date_finaled',
  timezone: 'US/Pacific',
  allowDateOverwrite: false,
  setDateOnEntityCreation: false,
};

const PLUGIN = 'datestamp';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().stringList('entityTypes');
  c.string('statusField')
    .stringList('statuses', { empty: true })
    .string('dateField')
    .boolean('allowDateOverwrite')
    .boolean('setDateOnEntityCreation');
  if (!isTimeZone(s.timezone)) c.fail('timezone', 'must be an IANA time zone such as "Europe/London"');
  if (s.statuses.length === 0 && !s.setDateOnEntityCreation)
    c.fail('statuses', 'is empty and setDateOnEntityCreation is off: nothing would ever be stamped');
  if (!s.enabled) return;
  const matchEvents: MatchEvents = {};
  for (const type of s.entityTypes) {
    if (s.statuses.length > 0) matchEvents[`Shotgun_${type}_Change`] = [s.statusField];
    if (s.setDateOnEntityCreation) matchEvents[`Shotgun_${type}_New`] = null;
  }
  reg.registerCallback(s.script.name, s.script.key, setDatestamp, s, { matchEvents });
}

async function setDatestamp(sg: Shotgun, event: EventLogEntry, s: DatestampSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  const type = event.entity?.type ?? (typeof event.meta?.entity_type === 'string' ? event.meta.entity_type : null);
  if (id === null || !type) return;
  const isNew = event.event_type === `Shotgun_${type}_New`;
  const status = event.meta?.new_value;
  if (!isNew && !(typeof status === 'string' && s.statuses.includes(status))) {
    ctx.logger.debug('status %j is not one of %j, skipping', status, s.statuses);
    return;
  }
  const schema = await checkFields(
    sg,
    PLUGIN,
    type,
    [
      { setting: 'dateField', field: s.dateField, types: ['date', 'date_time'] },
      ...(s.statuses.length > 0 ? [{ setting: 'statusField', field: s.statusField, types: ['status_list', 'list'], values: s.statuses }] : []),
    ],
    'entityTypes',
  );
  const entity = await sg.findOne(type, [['id', 'is', id]], [s.dateField]);
  if (!entity) return;
  if (entity[s.dateField] && !s.allowDateOverwrite) {
    ctx.logger.debug('%s %d: %s is already set (%s) and allowDateOverwrite is off, skipping', type, id, s.dateField, entity[s.dateField]);
    return;
  }
  const value = schema[s.dateField]!.dataType === 'date' ? dateIn(event.created_at, s.timezone) : event.created_at;
  if (entity[s.dateField] === value) return;
  await sg.update(type, id, { [s.dateField]: value });
  ctx.logger.info('Set %s on %s %d to %s', s.dateField, type, id, value);
}
