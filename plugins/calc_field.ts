// calc_field (port of the original examplePlugins/calc_field.py): when field A or field B of
// an entity changes, writes `fieldA <operator> fieldB` to another field of that entity.
// fieldA / fieldB may be a field name or a fixed number (at least one must be a field).
//
// Demo mode: safe. The defaults are the original's deliberately inert ones (Project.id + 1 →
// Project.sg_description): a Project's id never changes, so nothing ever fires. Point it at
// real fields to use it, e.g. Shot: sg_tail_out - sg_head_in → sg_working_duration.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface CalcFieldSettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  /** A field name, or a number used as is. */
  fieldA: string | number;
  fieldB: string | number;
  operator: '+' | '-' | '*' | '/';
  fieldToUpdate: string;
}

export const settings: CalcFieldSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Project',
  fieldA: 'id',
  fieldB: 1,
  operator: '+',
  fieldToUpdate: 'sg_description',
};

const PLUGIN = 'calc_field';
/** Field types a value can be read from or written to. */
const NUMERIC_TYPES = ['number', 'float', 'currency', 'percent', 'text', 'list'];

function validate(s: CalcFieldSettings): void {
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().string('entityType').string('fieldToUpdate');
  c.oneOf('operator', ['+', '-', '*', '/']);
  for (const name of ['fieldA', 'fieldB'] as const) {
    const v = s[name];
    if (typeof v === 'number') c.number(name);
    else c.string(name);
  }
  if (typeof s.fieldA !== 'string' && typeof s.fieldB !== 'string') {
    c.fail('fieldA', 'or "fieldB" must name a field: both are fixed numbers');
  }
  if (s.fieldA === s.fieldToUpdate || s.fieldB === s.fieldToUpdate) {
    c.fail('fieldToUpdate', 'must not be one of the operands (the plugin would react to its own writes)');
  }
}

export function registerCallbacks(reg: Registrar): void {
  validate(settings);
  if (!settings.enabled) return;
  const watched = [settings.fieldA, settings.fieldB].filter((f): f is string => typeof f === 'string');
  reg.registerCallback(settings.script.name, settings.script.key, updateFieldValue, settings, {
    matchEvents: { [`Shotgun_${settings.entityType}_Change`]: watched },
  });
}

async function updateFieldValue(sg: Shotgun, event: EventLogEntry, s: CalcFieldSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const operands = [s.fieldA, s.fieldB];
  const fields = operands.filter((f): f is string => typeof f === 'string');
  const schema = await checkFields(sg, PLUGIN, s.entityType, [
    ...fields.map((field) => ({ setting: field === s.fieldA ? 'fieldA' : 'fieldB', field, types: NUMERIC_TYPES })),
    { setting: 'fieldToUpdate', field: s.fieldToUpdate, types: NUMERIC_TYPES },
  ]);

  // Read the entity again: the event's new value may be stale by now.
  const entity = await sg.findOne(s.entityType, [['id', 'is', id]], [...fields, s.fieldToUpdate]);
  if (!entity) {
    ctx.logger.debug('%s %d no longer exists, skipping', s.entityType, id);
    return;
  }
  const values: number[] = [];
  for (const operand of operands) {
    if (typeof operand === 'number') {
      values.push(operand);
      continue;
    }
    const raw = entity[operand];
    // An empty field counts as 0, as in the original.
    const n = raw === null || raw === undefined || raw === '' ? 0 : Number(raw);
    if (!Number.isFinite(n)) {
      ctx.logger.error('%s.%s is %j, not a number: skipping', s.entityType, operand, raw);
      return;
    }
    values.push(n);
  }
  const [a, b] = values as [number, number];
  let result: number;
  switch (s.operator) {
    case '+':
      result = a + b;
      break;
    case '-':
      result = a - b;
      break;
    case '*':
      result = a * b;
      break;
    case '/':
      if (b === 0) {
        ctx.logger.error('%s is 0: cannot divide by zero, skipping', typeof s.fieldB === 'string' ? s.fieldB : 'fieldB');
        return;
      }
      result = a / b;
      break;
  }
  // Match the target field's type: whole numbers for number/percent, text for text/list.
  const type = schema[s.fieldToUpdate]!.dataType;
  const value: number | string =
    type === 'number' || type === 'percent' ? Math.trunc(result) : type === 'text' || type === 'list' ? String(result) : result;
  if (entity[s.fieldToUpdate] === value) {
    ctx.logger.debug('%s %d: %s is already %j', s.entityType, id, s.fieldToUpdate, value);
    return;
  }
  await sg.update(s.entityType, id, { [s.fieldToUpdate]: value });
  ctx.logger.info('Updated %s on %s %d to %j', s.fieldToUpdate, s.entityType, id, value);
}
