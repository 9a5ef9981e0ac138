// calculate_cut_length (port of the original examplePlugins/calculate_cut_length.py): when
// cut in or cut out changes, sets cut duration = out - in + 1 and its running time (a
// timecode field, in milliseconds at `fps`); when the duration is edited by hand, sets the
// running time from it.
//
// Demo mode: safe. The demo traffic keeps the cut duration consistent, so the plugin only
// fills Shot.sg_cut_length_r_t, which nothing else writes. Its own duration write comes back
// as an event it matches, but then nothing differs and it writes nothing: no loop.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface CalculateCutLengthSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  cutInField: string;
  cutOutField: string;
  cutDurationField: string;
  /** A timecode field (milliseconds), or null to skip the running time. */
  cutLengthRtField: string | null;
  fps: number;
}

export const settings: CalculateCutLengthSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Shot',
  cutInField: 'sg_cut_in',
  cutOutField: 'sg_cut_out',
  cutDurationField: 'sg_cut_duration',
  cutLengthRtField: 'sg_cut_length_r_t',
  fps: 24,
};

const PLUGIN = 'calculate_cut_length';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .string('cutInField')
    .string('cutOutField')
    .string('cutDurationField')
    .optionalString('cutLengthRtField')
    .number('fps', { positive: true });
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateCutDurationTimecode, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [s.cutInField, s.cutOutField, s.cutDurationField] },
  });
}

const runningTime = (frames: number, fps: number) => Math.ceil((frames / fps) * 1000);

async function updateCutDurationTimecode(sg: Shotgun, event: EventLogEntry, s: CalculateCutLengthSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null || !event.attribute_name) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'cutInField', field: s.cutInField, types: ['number'] },
    { setting: 'cutOutField', field: s.cutOutField, types: ['number'] },
    { setting: 'cutDurationField', field: s.cutDurationField, types: ['number'] },
    ...(s.cutLengthRtField ? [{ setting: 'cutLengthRtField', field: s.cutLengthRtField, types: ['timecode'] }] : []),
  ]);
  const fields = [s.cutInField, s.cutOutField, s.cutDurationField, ...(s.cutLengthRtField ? [s.cutLengthRtField] : [])];
  const entity = await sg.findOne(s.entityType, [['id', 'is', id]], fields);
  if (!entity) {
    ctx.logger.info("Couldn't find %s %d", s.entityType, id);
    return;
  }
  const num = (f: string) => (typeof entity[f] === 'number' ? entity[f] : null);
  const wanted: Record<string, number> = {};
  if (event.attribute_name === s.cutInField || event.attribute_name === s.cutOutField) {
    const cutIn = num(s.cutInField);
    const cutOut = num(s.cutOutField);
    if (cutIn === null || cutOut === null) {
      ctx.logger.debug('cut in or cut out is empty, skipping');
      return;
    }
    wanted[s.cutDurationField] = cutOut - cutIn + 1;
  } else {
    const duration = num(s.cutDurationField);
    if (!duration) {
      ctx.logger.debug('no cut duration, skipping');
      return;
    }
    wanted[s.cutDurationField] = duration;
  }
  if (s.cutLengthRtField) wanted[s.cutLengthRtField] = runningTime(wanted[s.cutDurationField]!, s.fps);
  // Only what differs: a rerun of the same event, or our own write coming back, changes nothing.
  const update = Object.fromEntries(Object.entries(wanted).filter(([f, v]) => entity[f] !== v));
  if (Object.keys(update).length === 0) {
    ctx.logger.debug('%s %d is up to date', s.entityType, id);
    return;
  }
  await sg.update(s.entityType, id, update);
  ctx.logger.info('Updated %s %d with %j', s.entityType, id, update);
}
