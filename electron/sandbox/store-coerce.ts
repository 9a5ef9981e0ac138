// The sandbox store's write-side validation: each value checked and normalised against
// its field's data type, with the error text and field map a real site returns.

import { invalid } from './errors.js';
import type { FieldDef } from './schema.js';
import { DATE_RE, isLink, isoSeconds, type Link, type StoreView } from './store-types.js';

export class FieldCoercer {
  constructor(private readonly view: StoreView) {}

  coerce(type: string, name: string, value: unknown, method: string): unknown {
    const def = this.view.schema[type]!.fields[name];
    if (!def) throw invalid(`API ${method}() ${type}.${name} doesn't exist.`, { [name]: 'does not exist' });
    if (def.editable === false && !(type === 'EventLogEntry' && method === 'create')) {
      throw invalid(`API ${method}() ${type}.${name} is not editable.`, { [name]: 'is not editable' });
    }
    const bad = (what: string) =>
      invalid(`API ${method}() ${type}.${name} expected ${what}, got ${JSON.stringify(value)}.`, { [name]: `expected ${what}` });
    if (value === null) return def.dataType === 'multi_entity' ? [] : null;
    switch (def.dataType) {
      case 'number':
      case 'duration':
      case 'timecode':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('an integer');
        return value;
      case 'float':
      case 'percent':
      case 'currency':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
        return value;
      case 'text':
      case 'url':
      case 'color':
      case 'password':
        if (typeof value !== 'string') throw bad('a string');
        return value;
      case 'uuid':
        if (typeof value !== 'string') throw bad('a uuid string');
        return value;
      case 'entity_type':
        if (typeof value !== 'string' || !this.view.schema[value]) throw bad('an entity type name');
        return value;
      case 'checkbox':
        if (typeof value !== 'boolean') throw bad('true or false');
        return value;
      case 'list':
      case 'status_list':
        if (typeof value !== 'string') throw bad('a string');
        if (def.validValues && !def.validValues.includes(value)) {
          throw invalid(`API ${method}() ${type}.${name}: '${value}' is not a valid value. Valid values are: ${def.validValues.join(', ')}.`, {
            [name]: { valid_values: def.validValues },
          });
        }
        return value;
      case 'date':
        if (typeof value !== 'string' || !DATE_RE.test(value)) throw bad("a date 'YYYY-MM-DD'");
        return value;
      case 'date_time': {
        const ms = typeof value === 'string' ? Date.parse(value.endsWith(' UTC') ? `${value.slice(0, -4).replace(' ', 'T')}Z` : value) : NaN;
        if (!Number.isFinite(ms)) throw bad('an ISO 8601 date-time');
        return isoSeconds(ms);
      }
      case 'entity':
        return this.coerceLink(type, name, def, value, method);
      case 'multi_entity':
        if (!Array.isArray(value)) throw bad('a list of entities');
        return value.map((v) => this.coerceLink(type, name, def, v, method));
      case 'serializable':
        return value;
      case 'image':
        throw invalid(`API ${method}() ${type}.${name} is not editable.`);
    }
  }

  private coerceLink(type: string, name: string, def: FieldDef, value: unknown, method: string): Link {
    if (!isLink(value)) {
      throw invalid(`API ${method}() ${type}.${name} expected an entity hash {type, id}, got ${JSON.stringify(value)}.`);
    }
    if (def.validTypes && !def.validTypes.includes(value.type)) {
      throw invalid(`API ${method}() ${type}.${name}: entity type '${value.type}' is not valid. Valid types are: ${def.validTypes.join(', ')}.`);
    }
    const target = this.view.get(value.type, value.id);
    if (!target || target.retired) {
      throw invalid(`API ${method}() ${type}.${name}: ${value.type} ${value.id} does not exist.`);
    }
    return { type: value.type, id: value.id };
  }
}
