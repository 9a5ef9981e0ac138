// init_entity (port of the original examplePlugins/init_entity.py): fills in initial values
// on a newly created entity: each field of initialData that is still empty (every one, with
// force) gets its value. `filters` restricts which new entities qualify.
//
// Demo mode: safe. The demo traffic never creates Assets, so it fires only when you do; it
// writes only empty fields of the new Asset and matches only _New events, so it never loops.
import { isDeepStrictEqual } from 'node:util';
import type { CallbackContext, EventLogEntry, Filter, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface InitEntitySettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  /** field → initial value. */
  initialData: Record<string, unknown>;
  /** Overwrite fields that were set at creation too. */
  force: boolean;
  /** Extra shotgun_api3 filters the new entity must match. */
  filters: Filter[];
}

export const settings: InitEntitySettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Asset',
  initialData: { description: 'Brand new Asset.' },
  force: false,
  filters: [],
};

const PLUGIN = 'init_entity';

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck(PLUGIN, s).boolean('enabled').script().string('entityType').record('initialData').boolean('force').filters('filters');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, initEntity, s, {
    matchEvents: { [`Shotgun_${s.entityType}_New`]: null },
  });
}

async function initEntity(sg: Shotgun, event: EventLogEntry, s: InitEntitySettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const fields = Object.keys(s.initialData);
  await checkFields(
    sg,
    PLUGIN,
    s.entityType,
    fields.map((field) => {
      const v = s.initialData[field];
      return { setting: `initialData.${field}`, field, values: typeof v === 'string' ? [v] : [] };
    }),
  );
  const entity = await sg.findOne(s.entityType, [...s.filters, ['id', 'is', id]], fields);
  if (!entity) {
    ctx.logger.debug('%s %d is gone or does not match the filters, skipping', s.entityType, id);
    return;
  }
  const update: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(s.initialData)) {
    const current = entity[field];
    if (isDeepStrictEqual(current ?? null, value)) continue;
    if (isEmpty(current) || s.force) update[field] = value;
  }
  if (Object.keys(update).length === 0) {
    ctx.logger.debug('%s %d already has its initial data', s.entityType, id);
    return;
  }
  await sg.update(s.entityType, id, update);
  ctx.logger.info('%s %d initialised with %j', s.entityType, id, update);
}
