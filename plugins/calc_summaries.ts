// calc_summaries (port of the original examplePlugins/calc_summaries.py): keeps a summary
// of the entities linked to a parent on the parent: the count of them, or the sum of one of
// their fields (by default: Shot.sg_version_count = the number of live Versions linking the
// Shot). It recomputes when a child is created, retired or revived, when its link changes
// (both the old and the new parent), and when the summed field or a field of `filters`
// changes.
//
// Differences from the original: one summary per plugin (the original combined several
// entity types with + - * /, a rarely used feature), it follows retirements and link
// changes (the original only listened to the summed field), and it writes only when the
// stored value differs.
//
// Demo mode: safe. The demo traffic creates, retires and revives Versions on Shots, so you
// see the Shots' sg_version_count follow; nothing else writes that field. Its own write is a
// Shot change, which it does not listen to, so it never loops.
import { isDeepStrictEqual } from 'node:util';
import type { CallbackContext, Entity, EventLogEntry, Filter, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface CalcSummariesSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** The entities summarised (the children). */
  entityType: string;
  /** Their entity field linking the parent. */
  linkField: string;
  /** Only parents of this type are updated. */
  parentType: string;
  /** The parent field the summary is written to (number, float, currency, percent or text). */
  parentField: string;
  mode: 'count' | 'sum';
  /** With mode 'sum': the child field summed (null values count as 0). */
  sumField: string | null;
  /** Only children matching these filters count (e.g. [["sg_status_list", "is_not", "rej"]]). */
  filters: Filter[];
}

export const settings: CalcSummariesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Version',
  linkField: 'entity',
  parentType: 'Shot',
  parentField: 'sg_version_count',
  mode: 'count',
  sumField: null,
  filters: [],
};

const PLUGIN = 'calc_summaries';
const NUMERIC = ['number', 'float', 'currency', 'percent', 'duration'];

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('entityType')
    .string('linkField')
    .string('parentType')
    .string('parentField')
    .oneOf('mode', ['count', 'sum'])
    .optionalString('sumField')
    .filters('filters');
  if (s.mode === 'sum' && !s.sumField) c.fail('sumField', 'is required when mode is "sum"');
  if (!s.enabled) return;
  const watched = new Set([
    s.linkField,
    ...(s.mode === 'sum' && s.sumField ? [s.sumField] : []),
    ...s.filters.flatMap((f) => (Array.isArray(f) && typeof f[0] === 'string' ? [f[0].split('.')[0]!] : [])),
  ]);
  reg.registerCallback(s.script.name, s.script.key, calcSummaries, s, {
    matchEvents: {
      [`Shotgun_${s.entityType}_Change`]: [...watched],
      [`Shotgun_${s.entityType}_Retirement`]: null,
      [`Shotgun_${s.entityType}_Revival`]: null,
    },
  });
}

function isLink(x: unknown): x is Entity {
  return typeof x === 'object' && x !== null && typeof (x as Entity).type === 'string' && typeof (x as Entity).id === 'number';
}

async function calcSummaries(sg: Shotgun, event: EventLogEntry, s: CalcSummariesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'linkField', field: s.linkField, types: ['entity'] },
    ...(s.mode === 'sum' ? [{ setting: 'sumField', field: s.sumField!, types: NUMERIC }] : []),
  ]);
  const parentSchema = await checkFields(
    sg,
    PLUGIN,
    s.parentType,
    [{ setting: 'parentField', field: s.parentField, types: [...NUMERIC, 'text'] }],
    'parentType',
  );

  // Parents to recompute: both sides of a link change, and the child's parent now (a
  // retired child is read from the retired records).
  const parents: Entity[] = [];
  if (event.attribute_name === s.linkField) parents.push(...[event.meta?.old_value, event.meta?.new_value].filter(isLink));
  const fields = [s.linkField];
  const child =
    (await sg.findOne(s.entityType, [['id', 'is', id]], fields)) ??
    (await sg.findOne(s.entityType, [['id', 'is', id]], fields, undefined, { retiredOnly: true }));
  if (child && isLink(child[s.linkField])) parents.push(child[s.linkField] as Entity);
  const targets = parents.filter((p, i) => p.type === s.parentType && parents.findIndex((q) => q.type === p.type && q.id === p.id) === i);
  if (targets.length === 0) {
    ctx.logger.debug('%s %d links no %s, skipping', s.entityType, id, s.parentType);
    return;
  }

  const dataType = parentSchema[s.parentField]!.dataType;
  for (const parent of targets) {
    const rows = await sg.find(
      s.entityType,
      [...s.filters, [s.linkField, 'is', { type: parent.type, id: parent.id }]],
      s.sumField && s.mode === 'sum' ? [s.sumField] : ['id'],
    );
    let total = 0;
    for (const r of rows) total += s.mode === 'count' ? 1 : Number(r[s.sumField!] ?? 0);
    const value =
      dataType === 'text' ? String(total) : dataType === 'number' || dataType === 'duration' || dataType === 'percent' ? Math.round(total) : total;
    const current = await sg.findOne(parent.type, [['id', 'is', parent.id]], [s.parentField]);
    if (!current) continue; // the parent is gone
    if (isDeepStrictEqual(current[s.parentField] ?? null, value)) {
      ctx.logger.debug('%s %d: %s is already %j', parent.type, parent.id, s.parentField, value);
      continue;
    }
    await sg.update(parent.type, parent.id, { [s.parentField]: value });
    ctx.logger.info('Updated %s %d: %s = %j', parent.type, parent.id, s.parentField, value);
  }
}
