// update_task_template_entities (port of the original
// examplePlugins/update_task_template_entities.py): when someone sets a TaskTemplate's
// pluginsField (a list field, sg_plugins) to pluginsFieldValue ("Update linked entities"),
// the entities of entityTypes linking that template (their task_template field), in the
// Projects of projectIds, get their Tasks brought in line with the template's Tasks:
//   - a Task made from a template Task (Task.template_task) gets the template Task's
//     non-empty values: into its empty fields, and over its set fields too when
//     overwriteFieldValues, except excludeFields;
//   - a template Task the entity has no Task for is created on it (every non-empty value);
//   - with trashOldTasks, a Task of the entity not made from one of the template's Tasks is
//     trashed (retired).
// Then the switch goes back to "N/A".
//
// The checks the original made when it registered (the switch's field type and values,
// the Projects, the Task fields of excludeFields, the entity types) run on the first
// event, and a wrong one fails that event with a message naming the setting (see
// _settings.ts for why); a wrong setting value is a load error.
//
// Differences from the original:
//   - it runs only while the switch reads pluginsFieldValue (the original ran on any
//     change of the field, its own reset to "N/A" included), and resets the switch after the
//     work is done (the original did it first, so a failure lost the request);
//   - only values that differ are written;
//   - fields linking Tasks (template_task, upstream_tasks, ...) are not copied: on a
//     template Task they point at other template Tasks;
//   - excludeFields also holds sg_status_list by default: a template Task's status is where
//     new Tasks start, copying it would reset every linked Task's progress;
//   - projectIds defaults to the demo sandbox's two Projects (the original's 97 was a demo
//     Project of a real site).
//
// Demo mode: safe. The demo traffic never touches a TaskTemplate, so it fires only when
// you flip "Asset - Standard"'s Plugins field; the seeded Assets already match their
// template, so only what you changed on the template's Tasks is written. Its own reset of
// the switch is skipped (the switch no longer reads pluginsFieldValue), so it never loops.
import { isDeepStrictEqual } from 'node:util';
import type { CallbackContext, Entity, EntityRecord, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateTaskTemplateEntitiesSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Only entities in these Projects are updated. */
  projectIds: number[];
  /** Entity types whose `task_template` field links the template. */
  entityTypes: string[];
  /** The TaskTemplate field that triggers the update (list or entity_type). */
  pluginsField: string;
  /** The value of pluginsField that triggers it; the field must also accept "N/A". */
  pluginsFieldValue: string;
  /** Trash an entity's Tasks that were not made from one of the template's Tasks. */
  trashOldTasks: boolean;
  /** Overwrite set Task fields with the template's values (empty ones are always filled). */
  overwriteFieldValues: boolean;
  /** Task fields never overwritten (still filled when empty, and set on new Tasks). */
  excludeFields: string[];
}

export const settings: UpdateTaskTemplateEntitiesSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  projectIds: [1, 2],
  entityTypes: ['Asset'],
  pluginsField: 'sg_plugins',
  pluginsFieldValue: 'Update linked entities',
  trashOldTasks: true,
  overwriteFieldValues: true,
  excludeFields: ['task_assignees', 'start_date', 'due_date', 'duration', 'sg_status_list'],
};

const PLUGIN = 'update_task_template_entities';
const RESET = 'N/A';

/** One request of sg.batch. */
type BatchRequest = Parameters<Shotgun['batch']>[0][number];

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  const c = new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .stringList('entityTypes')
    .string('pluginsField')
    .string('pluginsFieldValue')
    .boolean('trashOldTasks')
    .boolean('overwriteFieldValues')
    .stringList('excludeFields', { empty: true });
  if (!Array.isArray(s.projectIds) || s.projectIds.length === 0 || s.projectIds.some((id) => !Number.isInteger(id) || id <= 0)) {
    c.fail('projectIds', 'must be a non-empty list of Project ids');
  }
  if (s.entityTypes.includes('Task')) c.fail('entityTypes', 'must not hold Task (Tasks are what it updates)');
  if (s.pluginsFieldValue === RESET) c.fail('pluginsFieldValue', `must not be "${RESET}" (the switch is reset to it when done)`);
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, updateEntities, s, {
    matchEvents: { Shotgun_TaskTemplate_Change: [s.pluginsField] },
  });
}

const isLink = (x: unknown): x is Entity =>
  typeof x === 'object' && x !== null && typeof (x as Entity).type === 'string' && typeof (x as Entity).id === 'number';
/** Empty as the original tested it (Python falsiness): null, '', 0, false or []. */
const isEmpty = (v: unknown) => !v || (Array.isArray(v) && v.length === 0);
const ref = (e: Entity): Entity => ({ type: e.type, id: e.id });

/** A value compared by what it means: links by type and id (reads add their names). */
function comparable(v: unknown): unknown {
  if (isLink(v)) return `${v.type}:${v.id}`;
  if (Array.isArray(v)) return v.map(comparable).sort();
  return v ?? null;
}

/** A value as written: links without the names a read added. */
function writable(v: unknown): unknown {
  if (isLink(v)) return ref(v);
  if (Array.isArray(v)) return v.map(writable);
  return v;
}

interface TaskFieldSchema {
  editable?: { value?: unknown };
  data_type?: { value?: unknown };
  properties?: { valid_types?: { value?: unknown } };
}

/** The Task fields a template Task's values are copied from: editable, and not links to Tasks. */
async function copiedFields(sg: Shotgun): Promise<string[]> {
  const schema = (await sg.schemaFieldRead('Task')) as Record<string, TaskFieldSchema>;
  const linksTasks = (d: TaskFieldSchema) => {
    const types = d.properties?.valid_types?.value;
    return (d.data_type?.value === 'entity' || d.data_type?.value === 'multi_entity') && Array.isArray(types) && types.includes('Task');
  };
  const never = new Set(['project', 'entity', 'task_template', 'template_task']);
  return Object.entries(schema)
    .filter(([name, d]) => d.editable?.value === true && !never.has(name) && !linksTasks(d))
    .map(([name]) => name);
}

/** The original's registration checks, against the site; returns the Projects. */
async function validate(sg: Shotgun, s: UpdateTaskTemplateEntitiesSettings): Promise<Entity[]> {
  await checkFields(
    sg,
    PLUGIN,
    'TaskTemplate',
    [{ setting: 'pluginsField', field: s.pluginsField, types: ['list', 'entity_type'], values: [RESET, s.pluginsFieldValue] }],
    'pluginsField',
  );
  const task = await checkFields(sg, PLUGIN, 'Task', [...s.excludeFields.map((field) => ({ setting: 'excludeFields', field }))], 'excludeFields');
  for (const field of ['task_template', 'template_task']) {
    if (task[field]?.dataType !== 'entity') throw new Error(`${PLUGIN}: the site has no Task.${field} link field, needed to tell a template's Tasks`);
  }
  for (const type of s.entityTypes) {
    await checkFields(sg, PLUGIN, type, [{ setting: 'entityTypes', field: 'task_template', types: ['entity'] }], 'entityTypes');
  }
  const projects = await sg.find('Project', [['id', 'in', s.projectIds]], ['id']);
  const missing = s.projectIds.filter((id) => !projects.some((p) => p.id === id));
  if (missing.length) throw new Error(`${PLUGIN}: setting "projectIds": no Project with id ${missing.join(', ')} on the site`);
  return projects.map((p) => ({ type: 'Project', id: p.id }));
}

async function updateEntities(sg: Shotgun, event: EventLogEntry, s: UpdateTaskTemplateEntitiesSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  const projects = await validate(sg, s);

  // The event may be old, or our own reset: act only while the switch asks for it.
  const template = await sg.findOne('TaskTemplate', [['id', 'is', id]], [s.pluginsField, 'code']);
  if (!template) {
    ctx.logger.debug('TaskTemplate %d is gone, skipping', id);
    return;
  }
  if (template[s.pluginsField] !== s.pluginsFieldValue) {
    ctx.logger.debug('TaskTemplate %d: %s is %j, not %j, skipping', id, s.pluginsField, template[s.pluginsField], s.pluginsFieldValue);
    return;
  }
  const templateLink = { type: 'TaskTemplate', id };
  const fields = await copiedFields(sg);
  const templateTasks = await sg.find('Task', [['task_template', 'is', templateLink]], fields);

  const updates: BatchRequest[] = [];
  const deletes: BatchRequest[] = [];
  let entityCount = 0;
  for (const entityType of s.entityTypes) {
    const entities = await sg.find(
      entityType,
      [
        ['task_template', 'is', templateLink],
        ['project', 'in', projects],
      ],
      ['project'],
    );
    entityCount += entities.length;
    for (const entity of entities) {
      const tasks = await sg.find('Task', [['entity', 'is', ref(entity)]], [...fields, 'template_task']);
      const madeFrom = (t: EntityRecord) =>
        isLink(t.template_task) ? templateTasks.find((tt) => tt.id === (t.template_task as Entity).id) : undefined;
      for (const task of tasks) {
        const source = madeFrom(task);
        if (!source) {
          if (s.trashOldTasks) {
            deletes.push({ request_type: 'delete', entity_type: 'Task', entity_id: task.id });
            ctx.logger.debug('Will trash Task %d of %s %d (not from this template)', task.id, entityType, entity.id);
          }
          continue;
        }
        const data: Record<string, unknown> = {};
        for (const field of fields) {
          const value = source[field];
          if (isEmpty(value)) continue;
          const current = task[field];
          const write = isEmpty(current) || (s.overwriteFieldValues && !s.excludeFields.includes(field));
          if (write && !isDeepStrictEqual(comparable(current), comparable(value))) data[field] = writable(value);
        }
        if (Object.keys(data).length === 0) continue;
        updates.push({ request_type: 'update', entity_type: 'Task', entity_id: task.id, data });
        ctx.logger.debug('Will update Task %d: %j', task.id, data);
      }
      for (const source of templateTasks) {
        if (tasks.some((t) => madeFrom(t)?.id === source.id)) continue;
        const data: Record<string, unknown> = {};
        for (const field of fields) if (!isEmpty(source[field])) data[field] = writable(source[field]);
        Object.assign(data, { entity: ref(entity), project: isLink(entity.project) ? ref(entity.project) : null, template_task: ref(source) });
        updates.push({ request_type: 'create', entity_type: 'Task', data });
        ctx.logger.debug('Will create Task %j on %s %d', source.content, entityType, entity.id);
      }
    }
  }

  if (updates.length) await sg.batch(updates);
  if (deletes.length) await sg.batch(deletes);
  await sg.update('TaskTemplate', id, { [s.pluginsField]: RESET });
  const created = updates.filter((u) => u.request_type === 'create').length;
  ctx.logger.info(
    'TaskTemplate %d (%s): %d linked entit%s; %d Task(s) created, %d updated, %d trashed; %s reset to %s',
    id,
    template.code ?? '',
    entityCount,
    entityCount === 1 ? 'y' : 'ies',
    created,
    updates.length - created,
    deletes.length,
    s.pluginsField,
    RESET,
  );
}
