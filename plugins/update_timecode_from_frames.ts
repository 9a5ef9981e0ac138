// update_timecode_from_frames (port of the original examplePlugins/update_timecode_from_frames.py):
// when a frames field changes, sets a timecode field from it: milliseconds = ceil(frames /
// fps × 1000), as the original. Each pair in `fields` is a frames field and the timecode
// field it sets (by default a Version's first/last frame set its timecode in/out).
//
// Differences: the original converted one field (Shot sg_cut_duration → sg_cut_length_tc);
// here `fields` holds any number of pairs. The frame rate is the entity's fpsField when it
// has a value (a Version's uploaded movie frame rate), else `fps`; a change of fpsField
// recomputes the timecodes too. Only timecodes that differ are written.
//
// Demo mode: safe. The demo traffic creates Versions with first/last frames and never writes
// their timecode fields, so the plugin just fills them. Its writes are to fields it does not
// listen to: no loop.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateTimecodeFromFramesSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  /** Frames field (number) → the timecode field it sets. */
  fields: Record<string, string>;
  /** Frames per second when fpsField is null or empty. */
  fps: number;
  /** A number/float field holding the entity's own frame rate, or null. */
  fpsField: string | null;
}

export const settings: UpdateTimecodeFromFramesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Version',
  fields: { sg_first_frame: 'sg_timecode_in', sg_last_frame: 'sg_timecode_out' },
  fps: 24,
  fpsField: 'sg_uploaded_movie_frame_rate',
};

const PLUGIN = 'update_timecode_from_frames';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .record('fields')
    .number('fps', { positive: true })
    .optionalString('fpsField');
  for (const [k, v] of Object.entries(s.fields)) if (typeof v !== 'string' || !v) c.fail('fields', `maps ${k} to something that is not a field name`);
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateTimecodes, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [...Object.keys(s.fields), ...(s.fpsField ? [s.fpsField] : [])] },
  });
}

/** A frame count or number as a timecode field's milliseconds (rounded up, as the original). */
const framesToMs = (frames: number, fps: number) => Math.ceil((frames / fps) * 1000);

async function updateTimecodes(sg: Shotgun, event: EventLogEntry, s: UpdateTimecodeFromFramesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    ...Object.entries(s.fields).flatMap(([from, to]) => [
      { setting: 'fields', field: from, types: ['number', 'float'] },
      { setting: 'fields', field: to, types: ['timecode'] },
    ]),
    ...(s.fpsField ? [{ setting: 'fpsField', field: s.fpsField, types: ['number', 'float'] }] : []),
  ]);
  const entity = await sg.findOne(
    s.entityType,
    [['id', 'is', id]],
    [...Object.keys(s.fields), ...Object.values(s.fields), ...(s.fpsField ? [s.fpsField] : [])],
  );
  if (!entity) {
    ctx.logger.info('No %s with id %d', s.entityType, id);
    return;
  }
  const own = s.fpsField ? entity[s.fpsField] : null;
  const fps = typeof own === 'number' && own > 0 ? own : s.fps;
  const update: Record<string, number> = {};
  for (const [from, to] of Object.entries(s.fields)) {
    const frames = entity[from];
    if (typeof frames !== 'number') continue; // empty: leave the timecode as it is
    const ms = framesToMs(frames, fps);
    if (entity[to] !== ms) update[to] = ms;
  }
  if (Object.keys(update).length === 0) {
    ctx.logger.debug('%s %d: nothing to update', s.entityType, id);
    return;
  }
  await sg.update(s.entityType, id, update);
  ctx.logger.info('Updated %s %d timecode at %s fps with %j', s.entityType, id, fps, update);
}
