// convert_currency (port of the original examplePlugins/convert_currency.py): when an
// entity's amount or exchange rate changes, writes amount × rate to a second currency field.
// Entities whose status is in ignoreStatuses are left alone; when one leaves such a status,
// its amount is converted again.
//
// Demo mode: safe. It writes only Shot.sg_bid_cost_local, which nothing else writes, and
// only reacts to bid cost / exchange rate / status changes; it never reacts to its own write.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface ConvertCurrencySettings {
  enabled: boolean;
  script: ScriptSetting;
  entityType: string;
  fromCurrencyField: string;
  toCurrencyField: string;
  /** A number field, or a list/text field whose values are numbers ("1.25"). */
  exchangeRateField: string;
  statusField: string;
  ignoreStatuses: string[];
}

export const settings: ConvertCurrencySettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  entityType: 'Shot',
  fromCurrencyField: 'sg_bid_cost',
  toCurrencyField: 'sg_bid_cost_local',
  exchangeRateField: 'sg_exchange_rate',
  statusField: 'sg_status_list',
  ignoreStatuses: ['na'],
};

const PLUGIN = 'convert_currency';
const AMOUNT_TYPES = ['float', 'currency'];

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s).boolean('enabled').script().string('entityType');
  c.string('fromCurrencyField').string('toCurrencyField').string('exchangeRateField').string('statusField');
  c.stringList('ignoreStatuses', { empty: true });
  if ([s.fromCurrencyField, s.exchangeRateField, s.statusField].includes(s.toCurrencyField)) {
    c.fail('toCurrencyField', 'must differ from the fields it is computed from');
  }
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, convertCurrency, s, {
    matchEvents: { [`Shotgun_${s.entityType}_Change`]: [s.fromCurrencyField, s.exchangeRateField, s.statusField] },
  });
}

async function convertCurrency(sg: Shotgun, event: EventLogEntry, s: ConvertCurrencySettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null || !event.attribute_name) return;
  await checkFields(sg, PLUGIN, s.entityType, [
    { setting: 'fromCurrencyField', field: s.fromCurrencyField, types: AMOUNT_TYPES },
    { setting: 'toCurrencyField', field: s.toCurrencyField, types: AMOUNT_TYPES },
    { setting: 'exchangeRateField', field: s.exchangeRateField, types: ['float', 'number', 'currency', 'list', 'text'] },
    { setting: 'statusField', field: s.statusField, types: ['status_list', 'list'] },
  ]);
  const entity = await sg.findOne(s.entityType, [['id', 'is', id]], [s.fromCurrencyField, s.toCurrencyField, s.exchangeRateField, s.statusField]);
  if (!entity) {
    ctx.logger.debug('%s %d no longer exists, skipping', s.entityType, id);
    return;
  }
  const amount = Number(entity[s.fromCurrencyField] ?? NaN);
  const rate = Number(entity[s.exchangeRateField] ?? NaN);
  if (!amount || !rate || !Number.isFinite(amount) || !Number.isFinite(rate)) {
    ctx.logger.debug('%s %d: %s or %s is empty, skipping', s.entityType, id, s.fromCurrencyField, s.exchangeRateField);
    return;
  }
  const status = entity[s.statusField];
  if (typeof status === 'string' && s.ignoreStatuses.includes(status)) {
    ctx.logger.debug('%s %d: status %s is ignored, skipping', s.entityType, id, status);
    return;
  }
  // A status change only matters when it leaves an ignored status.
  const oldStatus = event.meta?.old_value;
  if (event.attribute_name === s.statusField && !(typeof oldStatus === 'string' && s.ignoreStatuses.includes(oldStatus))) {
    ctx.logger.debug('%s %d: status was not ignored before, nothing to convert', s.entityType, id);
    return;
  }
  const converted = Math.round(amount * rate * 100) / 100;
  if (entity[s.toCurrencyField] === converted) {
    ctx.logger.debug('%s %d: %s is already %s', s.entityType, id, s.toCurrencyField, converted);
    return;
  }
  await sg.update(s.entityType, id, { [s.toCurrencyField]: converted });
  ctx.logger.info('Updated %s %d: %s = %s × %s = %s', s.entityType, id, s.toCurrencyField, amount, rate, converted);
}
