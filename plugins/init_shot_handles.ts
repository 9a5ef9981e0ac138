// init_shot_handles (port of the original examplePlugins/init_shot_handles.py): gives a new
// Shot default handle values: each field of `handles` that is still empty gets its value
// (a null value leaves that field alone).
//
// Demo mode: safe. It writes only the smart_* fields of a new Shot, which nothing else
// writes, only where they are empty, and matches only Shot _New events: no loop.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface InitShotHandlesSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Shot field → default value (null: leave that field alone). */
  handles: Record<string, number | null>;
}

export const settings: InitShotHandlesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  handles: {
    smart_head_in: 1001,
    smart_head_duration: 8,
    smart_tail_duration: 8,
  },
};

const PLUGIN = 'init_shot_handles';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().record('handles');
  for (const [field, v] of Object.entries(s.handles)) {
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) c.fail('handles', `must map fields to numbers or null; ${field} is not one`);
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, initShotHandles, s, { matchEvents: { Shotgun_Shot_New: null } });
}

async function initShotHandles(sg: Shotgun, event: EventLogEntry, s: InitShotHandlesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const fields = Object.keys(s.handles);
  await checkFields(
    sg,
    PLUGIN,
    'Shot',
    fields.map((field) => ({ setting: `handles.${field}`, field, types: ['number', 'float'] })),
  );
  const shot = await sg.findOne('Shot', [['id', 'is', id]], ['code', ...fields]);
  if (!shot) return;
  const update: Record<string, number> = {};
  for (const [field, value] of Object.entries(s.handles)) {
    // As the original: 0 counts as "not set".
    if (value !== null && !shot[field]) update[field] = value;
  }
  if (Object.keys(update).length === 0) {
    ctx.logger.info('%s: handles already set, not updating', shot.code);
    return;
  }
  await sg.update('Shot', id, update);
  ctx.logger.info('%s: shot handles initialised with %j', shot.code, update);
}
