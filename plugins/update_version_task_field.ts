// update_version_task_field (port of the original examplePlugins/update_version_task_field.py):
// links a Version to its Task (Version.sg_task): the Task on the same entity and project
// whose matchedTaskField (by default its assignees) holds the Version's matchedVersionField
// (by default the Version's user), in one of taskStepShortNames. It runs when a Version's
// entity or user changes (a new Version, say), and when a Task's assignees or step change
// (for the Versions of that Task's entity). With several matching Tasks, the oldest wins.
//
// Differences: the original always overwrote Version.sg_task when it found a match; here an
// existing link is kept unless `overwrite` is true, so a Version made with its Task is never
// re-pointed. The original's step list was ['ART'], a studio's own step; here an empty list
// (the default) means any step.
//
// Demo mode: safe. The demo traffic creates Versions already linked to their Task, so the
// plugin only acts on Versions you make without one. It writes only Version.sg_task, which it
// does not listen to: no loop.
import type { CallbackContext, Entity, EventLogEntry, Filter, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface UpdateVersionTaskFieldSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** The Version field whose value the Task must hold (an entity field). */
  matchedVersionField: string;
  /** The Task field holding it (an entity or multi-entity field). */
  matchedTaskField: string;
  /** Step short names a matching Task may have; empty: any step. */
  taskStepShortNames: string[];
  /** Replace a Version's existing Task link. */
  overwrite: boolean;
}

export const settings: UpdateVersionTaskFieldSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  matchedVersionField: 'user',
  matchedTaskField: 'task_assignees',
  taskStepShortNames: [],
  overwrite: false,
};

const PLUGIN = 'update_version_task_field';

type Row = { type: string; id: number; [field: string]: unknown };

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('matchedVersionField')
    .string('matchedTaskField')
    .stringList('taskStepShortNames', { empty: true })
    .boolean('overwrite');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, versionChanged, s, {
    matchEvents: { Shotgun_Version_Change: ['entity', s.matchedVersionField] },
  });
  reg.registerCallback(s.script.name, s.script.key, taskChanged, s, {
    matchEvents: { Shotgun_Task_Change: [s.matchedTaskField, 'step', 'entity'] },
  });
}

async function check(sg: Shotgun, s: UpdateVersionTaskFieldSettings): Promise<void> {
  await checkFields(sg, PLUGIN, 'Version', [
    { setting: 'matchedVersionField', field: s.matchedVersionField, types: ['entity'] },
    { setting: 'matchedVersionField', field: 'sg_task', types: ['entity'] },
  ]);
  await checkFields(sg, PLUGIN, 'Task', [{ setting: 'matchedTaskField', field: s.matchedTaskField, types: ['entity', 'multi_entity'] }]);
}

/** Links one Version to its matching Task, if it needs it. */
async function linkVersion(sg: Shotgun, versionId: number, s: UpdateVersionTaskFieldSettings, ctx: CallbackContext): Promise<void> {
  // Act on the Version as it is now (the event may be old).
  const version = await sg.findOne<Row>('Version', [['id', 'is', versionId]], ['code', 'entity', 'project', 'sg_task', s.matchedVersionField]);
  if (!version) {
    ctx.logger.debug('No Version with id %d, skipping', versionId);
    return;
  }
  const entity = version.entity as Entity | null;
  const matched = version[s.matchedVersionField] as Entity | null;
  const project = version.project as Entity | null;
  const current = version.sg_task as Entity | null;
  if (!entity || !matched || !project) {
    ctx.logger.debug('Version %d has no entity, %s or project, skipping', versionId, s.matchedVersionField);
    return;
  }
  if (current && !s.overwrite) {
    ctx.logger.debug('Version %d is already linked to Task %d', versionId, current.id);
    return;
  }
  const filters: Filter[] = [
    ['entity', 'is', { type: entity.type, id: entity.id }],
    [s.matchedTaskField, 'is', { type: matched.type, id: matched.id }],
    ['project', 'is', { type: project.type, id: project.id }],
  ];
  if (s.taskStepShortNames.length) filters.push(['step.Step.short_name', 'in', s.taskStepShortNames]);
  const task = await sg.findOne<Row>('Task', filters, ['content'], [{ field_name: 'id', direction: 'asc' }]);
  if (!task) {
    ctx.logger.debug('No Task of %s %d matches Version %d, skipping', entity.type, entity.id, versionId);
    return;
  }
  if (current?.id === task.id) return;
  await sg.update('Version', versionId, { sg_task: { type: 'Task', id: task.id } });
  ctx.logger.info('Linked Version %d (%s) to Task %d (%s)', versionId, version.code, task.id, task.content);
}

async function versionChanged(sg: Shotgun, event: EventLogEntry, s: UpdateVersionTaskFieldSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await check(sg, s);
  await linkVersion(sg, id, s, ctx);
}

async function taskChanged(sg: Shotgun, event: EventLogEntry, s: UpdateVersionTaskFieldSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  if (id === null) return;
  await check(sg, s);
  const task = await sg.findOne<Row>('Task', [['id', 'is', id]], ['entity']);
  const entity = task?.entity as Entity | null | undefined;
  if (!entity) return;
  const filters: Filter[] = [['entity', 'is', { type: entity.type, id: entity.id }]];
  if (!s.overwrite) filters.push(['sg_task', 'is', null]);
  const versions = await sg.find<Row>('Version', filters, ['id']);
  for (const v of versions) await linkVersion(sg, v.id, s, ctx);
}
