// Helpers the example plugins share (files starting with "_" are not plugins): checking a
// plugin's `settings` object when it registers, and checking the fields it names against
// the site's schema on its first event.
//
// The original examples validated their args with a schema read at registration and, when
// something was wrong, logged a warning and silently registered nothing. Here a wrong
// setting throws from registerCallbacks, so the daemon shows the plugin as errored with a
// message naming the setting. The schema check needs a connection, which a plugin only gets
// with its first event: it runs then (once per entity type), and a bad field fails that
// event with the same kind of message.
import type { Shotgun } from 'shotgun-events';

/** A ShotGrid script a plugin's callbacks run as. */
export interface ScriptSetting {
  name: string;
  key: string;
}

/** Checks one plugin's settings object; every failure names the plugin and the setting. */
export class SettingsCheck {
  constructor(
    readonly plugin: string,
    private readonly settings: object,
  ) {}

  private value(name: string): unknown {
    return (this.settings as Record<string, unknown>)[name];
  }

  fail(name: string, problem: string): never {
    let got: string;
    try {
      got = JSON.stringify(this.value(name)) ?? String(this.value(name));
    } catch {
      got = String(this.value(name));
    }
    throw new Error(`${this.plugin}: setting "${name}" ${problem} (got ${got})`);
  }

  string(name: string, opts: { empty?: boolean } = {}): this {
    const v = this.value(name);
    if (typeof v !== 'string') this.fail(name, 'must be a string');
    if (!opts.empty && v.trim() === '') this.fail(name, 'must not be empty');
    return this;
  }

  /** A string or null (null turns the feature off). */
  optionalString(name: string): this {
    const v = this.value(name);
    if (v !== null && (typeof v !== 'string' || v.trim() === '')) this.fail(name, 'must be a non-empty string or null');
    return this;
  }

  boolean(name: string): this {
    if (typeof this.value(name) !== 'boolean') this.fail(name, 'must be true or false');
    return this;
  }

  number(name: string, opts: { min?: number; integer?: boolean; positive?: boolean } = {}): this {
    const v = this.value(name);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(name, 'must be a finite number');
    if (opts.integer && !Number.isInteger(v)) this.fail(name, 'must be an integer');
    if (opts.positive && v <= 0) this.fail(name, 'must be greater than 0');
    if (opts.min !== undefined && v < opts.min) this.fail(name, `must be at least ${opts.min}`);
    return this;
  }

  stringList(name: string, opts: { empty?: boolean } = {}): this {
    const v = this.value(name);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) this.fail(name, 'must be a list of non-empty strings');
    if (!opts.empty && v.length === 0) this.fail(name, 'must not be empty');
    return this;
  }

  oneOf(name: string, allowed: readonly unknown[]): this {
    if (!allowed.includes(this.value(name))) this.fail(name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return this;
  }

  /** A plain object (a field → value map, say). */
  record(name: string, opts: { empty?: boolean } = {}): this {
    const v = this.value(name);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(name, 'must be an object');
    if (!opts.empty && Object.keys(v).length === 0) this.fail(name, 'must not be empty');
    return this;
  }

  /** A list of shotgun_api3 filters ([field, relation, ...values]). */
  filters(name: string): this {
    const v = this.value(name);
    if (!Array.isArray(v) || v.some((f) => !Array.isArray(f) || f.length < 2 || typeof f[0] !== 'string' || typeof f[1] !== 'string')) {
      this.fail(name, 'must be a list of filters like ["field", "relation", value]');
    }
    return this;
  }

  /** `{ name, key }` of the ShotGrid script the callbacks run as. */
  script(name = 'script'): this {
    const v = this.value(name) as Partial<ScriptSetting> | null;
    if (!v || typeof v !== 'object' || typeof v.name !== 'string' || !v.name || typeof v.key !== 'string' || !v.key) {
      this.fail(name, 'must be { name, key } of a ShotGrid script');
    }
    return this;
  }
}

/** What the schema says about one field (the parts the plugins read). */
export interface FieldInfo {
  dataType: string;
  validValues: string[] | null;
}

/** A field a plugin's setting names, and the data types it may have (null = any). */
export interface FieldRequirement {
  setting: string;
  field: string;
  types?: readonly string[] | null;
  /** Values the field must accept (list and status_list fields). */
  values?: readonly string[];
}

const schemas = new Map<string, Promise<Record<string, FieldInfo>>>();

/** The fields of one entity type, read once per worker (a failed read is tried again next time). */
export async function entitySchema(sg: Shotgun, plugin: string, entityType: string, setting = 'entityType'): Promise<Record<string, FieldInfo>> {
  let p = schemas.get(entityType);
  if (!p) {
    p = sg.schemaFieldRead(entityType).then(
      (raw) => {
        const out: Record<string, FieldInfo> = {};
        for (const [name, def] of Object.entries(raw)) {
          const d = def as { data_type?: { value?: unknown }; properties?: { valid_values?: { value?: unknown } } };
          const vv = d.properties?.valid_values?.value;
          out[name] = { dataType: String(d.data_type?.value ?? ''), validValues: Array.isArray(vv) ? vv.map(String) : null };
        }
        return out;
      },
      (e: unknown) => {
        schemas.delete(entityType);
        throw new Error(
          `${plugin}: setting "${setting}": cannot read the schema of ${JSON.stringify(entityType)}: ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    );
    schemas.set(entityType, p);
  }
  return p;
}

/**
 * Checks that each field exists on `entityType` with an allowed data type (and accepts the
 * given values); throws a message naming the setting otherwise. Returns the type's schema.
 */
export async function checkFields(
  sg: Shotgun,
  plugin: string,
  entityType: string,
  required: readonly FieldRequirement[],
  entityTypeSetting = 'entityType',
): Promise<Record<string, FieldInfo>> {
  try {
    return requireFields(await entitySchema(sg, plugin, entityType, entityTypeSetting), plugin, entityType, required);
  } catch {
    // The cached schema may predate a field someone just added: read it again once.
    schemas.delete(entityType);
    return requireFields(await entitySchema(sg, plugin, entityType, entityTypeSetting), plugin, entityType, required);
  }
}

function requireFields(
  schema: Record<string, FieldInfo>,
  plugin: string,
  entityType: string,
  required: readonly FieldRequirement[],
): Record<string, FieldInfo> {
  for (const r of required) {
    const info = schema[r.field];
    if (!info) throw new Error(`${plugin}: setting "${r.setting}" names ${entityType}.${r.field}, which does not exist`);
    if (r.types && !r.types.includes(info.dataType)) {
      throw new Error(
        `${plugin}: setting "${r.setting}" names ${entityType}.${r.field}, a ${info.dataType} field; it must be ${r.types.join(' or ')}`,
      );
    }
    for (const v of r.values ?? []) {
      if (info.validValues && !info.validValues.includes(v)) {
        throw new Error(
          `${plugin}: ${entityType}.${r.field} (setting "${r.setting}") does not accept ${JSON.stringify(v)}; it accepts ${info.validValues.join(', ')}`,
        );
      }
    }
  }
  return schema;
}

/** `YYYY-MM-DD` of an instant in an IANA time zone. */
export function dateIn(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** true if `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The id of the entity an event is about (`meta.entity_id`, else `entity.id`), or null. */
export function eventEntityId(event: { meta: Record<string, unknown> | null; entity: { id: number } | null }): number | null {
  const id = event.meta?.entity_id ?? event.entity?.id;
  return typeof id === 'number' ? id : null;
}
