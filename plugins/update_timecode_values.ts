// update_timecode_values (after the original examplePlugins/update_timecode_values.py): keeps
// frame fields and timecode fields in sync on an entity, both ways. Each pair in `fields` is
// a frames field and its timecode field (by default a Shot's cut in/out and timecode in/out):
// a changed frame sets the timecode (milliseconds = ceil(frame / fps × 1000), rounded up as
// update_timecode_from_frames and the originals do), a changed
// timecode sets the frame (round(ms × fps / 1000)). The frame rate is the entity's fpsField
// when it has a value, else `fps`; when it changes, the timecodes follow the frames.
//
// Differences: the original worked on text timecodes ("HH:MM:SS:FF") and derived a Version's
// timecode in/out from its head/tail durations and timecode cut in/out; the sandbox (and a
// default ShotGrid site) stores timecode fields as milliseconds, so this keeps the frame ↔
// timecode pairs in step instead, with the same frame rate handling.
//
// Loops: a frame written from a timecode converts back to the same timecode (and the other
// way), so the plugin's own writes come back as events that change nothing. A timecode typed
// between two frames is snapped to the frame it rounds to, after at most two writes.
//
// Demo mode: safe. The demo traffic sets Shot cut in/out and never the timecode fields, so the
// plugin just fills them.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateTimecodeValuesSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  /** Frames field (number) → its timecode field; kept in sync both ways. */
  fields: Record<string, string>;
  /** Frames per second when fpsField is null or empty. */
  fps: number;
  /** A number/float field holding the entity's own frame rate, or null. */
  fpsField: string | null;
}

export const settings: UpdateTimecodeValuesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Shot',
  fields: { sg_cut_in: 'sg_timecode_in', sg_cut_out: 'sg_timecode_out' },
  fps: 24,
  fpsField: 'sg_frame_rate',
};

const PLUGIN = 'update_timecode_values';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .record('fields')
    .number('fps', { positive: true })
    .optionalString('fpsField');
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(s.fields)) {
    if (typeof v !== 'string' || !v) c.fail('fields', `maps ${k} to something that is not a field name`);
    for (const f of [k, v]) {
      if (seen.has(f) || f === s.fpsField) c.fail('fields', `names ${f} twice`);
      seen.add(f);
    }
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, syncTimecodes, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [...seen, ...(s.fpsField ? [s.fpsField] : [])] },
  });
}

const frameToMs = (frame: number, fps: number) => Math.ceil((frame / fps) * 1000);
const msToFrame = (ms: number, fps: number) => Math.round((ms * fps) / 1000);

async function syncTimecodes(sg: Shotgun, event: EventLogEntry, s: UpdateTimecodeValuesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  const changed = event.attribute_name;
  if (id === null || !changed) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    ...Object.entries(s.fields).flatMap(([frames, tc]) => [
      { setting: 'fields', field: frames, types: ['number'] },
      { setting: 'fields', field: tc, types: ['timecode'] },
    ]),
    ...(s.fpsField ? [{ setting: 'fpsField', field: s.fpsField, types: ['number', 'float'] }] : []),
  ]);
  // The event may be old (a retry, a late event): convert the values as they are now.
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
  for (const [framesField, tcField] of Object.entries(s.fields)) {
    const frames = entity[framesField];
    const tc = entity[tcField];
    if (changed === tcField) {
      // The timecode was edited: the frame follows.
      if (typeof tc === 'number' && msToFrame(tc, fps) !== frames) update[framesField] = msToFrame(tc, fps);
    } else if (changed === framesField || changed === s.fpsField) {
      // The frame was edited (or the frame rate): the timecode follows.
      if (typeof frames === 'number' && frameToMs(frames, fps) !== tc) update[tcField] = frameToMs(frames, fps);
    }
  }
  if (Object.keys(update).length === 0) {
    ctx.logger.debug('%s %d: frames and timecodes agree', s.entityType, id);
    return;
  }
  await sg.update(s.entityType, id, update);
  ctx.logger.info('Updated %s %d at %s fps with %j', s.entityType, id, fps, update);
}
