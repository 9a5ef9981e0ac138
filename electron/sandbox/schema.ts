// The sandbox site's schema: a studio-shaped subset of a real ShotGrid schema (the
// entity types and fields the example plugins and the traffic generator use). Field
// data types and their legal filter relations follow docs/shotgrid-wire.md §2.1 and §3.

export type DataType =
  | 'number'
  | 'float'
  | 'text'
  | 'entity'
  | 'multi_entity'
  | 'date'
  | 'date_time'
  | 'checkbox'
  | 'list'
  | 'status_list'
  | 'serializable'
  | 'url'
  | 'duration'
  | 'percent'
  | 'currency'
  | 'timecode'
  | 'uuid'
  | 'image'
  | 'password'
  | 'color'
  /** The name of an entity type (TaskTemplate.entity_type). */
  | 'entity_type';

export interface FieldDef {
  dataType: DataType;
  /** Display name, as the schema's `name.value`. */
  label?: string;
  editable?: boolean;
  validTypes?: string[];
  validValues?: string[];
  default?: unknown;
  /**
   * Entity fields with a back-reference: setting Task.entity shows up in Shot.tasks.
   * Maps the target type to its multi-entity field.
   */
  inverse?: Record<string, string>;
  /** Multi-entity fields computed from another type's entity field (read-only). */
  backOf?: { type: string; field: string };
}

export interface EntityDef {
  /** The field whose value is a link's `name`. */
  displayField: string;
  /** Creation fails with "API create() missing 'project' attribute" without one. */
  projectRequired: boolean;
  /** A link field that, when set, waives projectRequired (a TaskTemplate's Tasks have no project). */
  projectWaivedBy?: string;
  fields: Record<string, FieldDef>;
}

export type Schema = Record<string, EntityDef>;

const ro = (dataType: DataType, extra: Partial<FieldDef> = {}): FieldDef => ({ dataType, editable: false, ...extra });
const f = (dataType: DataType, extra: Partial<FieldDef> = {}): FieldDef => ({ dataType, editable: true, ...extra });
const link = (...validTypes: string[]): FieldDef => f('entity', { validTypes });
const links = (...validTypes: string[]): FieldDef => f('multi_entity', { validTypes });

/** Fields every entity type has. */
function system(): Record<string, FieldDef> {
  return {
    id: ro('number', { label: 'Id' }),
    created_at: ro('date_time', { label: 'Date Created' }),
    updated_at: ro('date_time', { label: 'Date Updated' }),
    created_by: ro('entity', { label: 'Created by', validTypes: ['HumanUser', 'ApiUser'] }),
    updated_by: ro('entity', { label: 'Updated by', validTypes: ['HumanUser', 'ApiUser'] }),
    cached_display_name: ro('text', { label: 'Cached Display Name' }),
  };
}

function entity(displayField: string, projectRequired: boolean, fields: Record<string, FieldDef>, extra: Partial<EntityDef> = {}): EntityDef {
  return {
    ...extra,
    displayField,
    projectRequired,
    fields: {
      ...system(),
      ...(projectRequired ? { project: link('Project') } : {}),
      ...fields,
    },
  };
}

const TASK_STATUS = ['wtg', 'rdy', 'ip', 'rev', 'hld', 'cmpt', 'fin', 'apr', 'na', 'omt'];
const SHOT_STATUS = ['wtg', 'rdy', 'ip', 'hld', 'cmpt', 'fin', 'omt', 'na'];
const VERSION_STATUS = ['rev', 'vwd', 'apr', 'fin', 'rej', 'na'];
const SHOT_LINKABLE = ['Shot', 'Asset', 'Sequence', 'Project'];

export function defaultSchema(): Schema {
  return {
    Project: entity('name', false, {
      name: f('text', { label: 'Project Name' }),
      code: f('text'),
      sg_status: f('list', { label: 'Status', validValues: ['Active', 'Bidding', 'Lost', 'Demo'], default: 'Active' }),
      sg_description: f('text', { label: 'Description' }),
      users: links('HumanUser'),
      archived: f('checkbox', { default: false }),
      tank_name: f('text'),
      sg_exchange_rate: f('float', { label: 'Exchange Rate' }),
    }),
    HumanUser: entity('name', false, {
      name: f('text'),
      login: f('text'),
      email: f('text'),
      firstname: f('text', { label: 'First Name' }),
      lastname: f('text', { label: 'Last Name' }),
      sg_status_list: f('status_list', { label: 'Status', validValues: ['act', 'dis'], default: 'act' }),
      projects: links('Project'),
      groups: links('Group'),
      department: f('text'),
    }),
    ApiUser: entity('firstname', false, {
      firstname: f('text', { label: 'Script Name' }),
      lastname: f('text', { label: 'Last Name' }),
      description: f('text'),
      email: f('text'),
      sg_status_list: f('status_list', { label: 'Status', validValues: ['act', 'dis'], default: 'act' }),
      // On a real site this checkbox defaults to off: a script's writes then make no
      // EventLogEntry rows, so a plugin does not see its own writes (docs/shotgrid-wire.md §6.3).
      generate_event_log_entries: f('checkbox', { label: 'Generate Event Log Entries', default: false }),
      projects: links('Project'),
    }),
    Group: entity('code', false, {
      code: f('text', { label: 'Group Name' }),
      users: links('HumanUser'),
    }),
    Step: entity('code', false, {
      code: f('text', { label: 'Step Name' }),
      short_name: f('text'),
      entity_type: f('text'),
      color: f('color'),
    }),
    Sequence: entity('code', true, {
      code: f('text', { label: 'Sequence Name' }),
      description: f('text'),
      sg_status_list: f('status_list', { label: 'Status', validValues: SHOT_STATUS, default: 'wtg' }),
      shots: ro('multi_entity', { validTypes: ['Shot'], backOf: { type: 'Shot', field: 'sg_sequence' } }),
      tasks: ro('multi_entity', { validTypes: ['Task'], backOf: { type: 'Task', field: 'entity' } }),
      task_template: link('TaskTemplate'),
    }),
    Shot: entity('code', true, {
      code: f('text', { label: 'Shot Code' }),
      description: f('text'),
      sg_status_list: f('status_list', { label: 'Status', validValues: SHOT_STATUS, default: 'wtg' }),
      sg_sequence: link('Sequence'),
      sg_cut_in: f('number', { label: 'Cut In' }),
      sg_cut_out: f('number', { label: 'Cut Out' }),
      sg_cut_duration: f('number', { label: 'Cut Duration' }),
      sg_cut_order: f('number', { label: 'Cut Order' }),
      sg_head_in: f('number', { label: 'Head In' }),
      sg_tail_out: f('number', { label: 'Tail Out' }),
      sg_working_duration: f('number', { label: 'Working Duration' }),
      // Built-in "smart cut" fields of a real site (init_shot_handles sets them on new Shots).
      smart_head_in: f('number', { label: 'Smart Head In' }),
      smart_head_duration: f('number', { label: 'Smart Head Duration' }),
      smart_tail_duration: f('number', { label: 'Smart Tail Duration' }),
      sg_cut_length_r_t: f('timecode', { label: 'Cut Length R/T' }),
      sg_timecode_in: f('timecode', { label: 'Timecode In' }),
      sg_timecode_out: f('timecode', { label: 'Timecode Out' }),
      sg_frame_rate: f('float', { label: 'Frame Rate' }),
      sg_date_finaled: f('date', { label: 'Date Finaled' }),
      sg_status_changed_at: f('date_time', { label: 'Status Changed At' }),
      sg_version_count: f('number', { label: 'Version Count' }),
      sg_bid_cost: f('currency', { label: 'Bid Cost' }),
      sg_bid_cost_local: f('currency', { label: 'Bid Cost (local)' }),
      sg_exchange_rate: f('float', { label: 'Exchange Rate' }),
      assets: links('Asset'),
      tasks: ro('multi_entity', { validTypes: ['Task'], backOf: { type: 'Task', field: 'entity' } }),
      task_template: link('TaskTemplate'),
      image: ro('image'),
    }),
    Asset: entity('code', true, {
      code: f('text', { label: 'Asset Name' }),
      description: f('text'),
      sg_asset_type: f('list', { label: 'Type', validValues: ['Character', 'Prop', 'Environment', 'Vehicle', 'FX'] }),
      sg_status_list: f('status_list', { label: 'Status', validValues: SHOT_STATUS, default: 'wtg' }),
      sg_date_finaled: f('date', { label: 'Date Finaled' }),
      shots: links('Shot'),
      tasks: ro('multi_entity', { validTypes: ['Task'], backOf: { type: 'Task', field: 'entity' } }),
      task_template: link('TaskTemplate'),
      image: ro('image'),
    }),
    // A template's Tasks link it (task_template) and have no entity or project; Tasks made
    // from a template link the template Task they came from (template_task).
    TaskTemplate: entity('code', false, {
      code: f('text', { label: 'Template Name' }),
      description: f('text'),
      entity_type: f('entity_type', { label: 'Entity Type' }),
      // The switch update_task_template_entities listens to (plugins/update_task_template_entities.ts).
      sg_plugins: f('list', { label: 'Plugins', validValues: ['N/A', 'Update linked entities'], default: 'N/A' }),
    }),
    Task: entity(
      'content',
      true,
      {
        content: f('text', { label: 'Task Name' }),
        sg_status_list: f('status_list', { label: 'Status', validValues: TASK_STATUS, default: 'wtg' }),
        entity: f('entity', { label: 'Link', validTypes: SHOT_LINKABLE, inverse: { Shot: 'tasks', Asset: 'tasks', Sequence: 'tasks' } }),
        step: link('Step'),
        task_assignees: links('HumanUser', 'Group'),
        start_date: f('date', { label: 'Start Date' }),
        due_date: f('date', { label: 'Due Date' }),
        est_in_mins: f('duration', { label: 'Bid' }),
        sg_description: f('text', { label: 'Description' }),
        upstream_tasks: links('Task'),
        downstream_tasks: links('Task'),
        sg_date_approved: f('date', { label: 'Date Approved' }),
        duration: f('duration', { label: 'Duration' }),
        task_template: link('TaskTemplate'),
        template_task: link('Task'),
      },
      { projectWaivedBy: 'task_template' },
    ),
    Version: entity('code', true, {
      code: f('text', { label: 'Version Name' }),
      description: f('text'),
      sg_status_list: f('status_list', { label: 'Status', validValues: VERSION_STATUS, default: 'rev' }),
      entity: link(...SHOT_LINKABLE),
      sg_task: link('Task'),
      user: link('HumanUser', 'ApiUser'),
      sg_first_frame: f('number', { label: 'First Frame' }),
      sg_last_frame: f('number', { label: 'Last Frame' }),
      frame_count: f('number', { label: 'Frame Count' }),
      frame_range: f('text', { label: 'Frame Range' }),
      sg_uploaded_movie_frame_rate: f('float', { label: 'Uploaded Movie Frame Rate' }),
      sg_timecode_in: f('timecode', { label: 'Timecode In' }),
      sg_timecode_out: f('timecode', { label: 'Timecode Out' }),
      sg_cut_in: f('number', { label: 'Cut In' }),
      sg_cut_out: f('number', { label: 'Cut Out' }),
      sg_cut_duration: f('number', { label: 'Cut Duration' }),
      sg_path_to_frames: f('text', { label: 'Path to Frames' }),
      sg_path_to_movie: f('text', { label: 'Path to Movie' }),
      sg_version_type: f('list', { label: 'Type', validValues: ['Dailies', 'Review', 'Final'] }),
      sg_date_finaled: f('date', { label: 'Date Finaled' }),
      sg_notes_to_create: f('text', { label: 'Notes to Create' }),
      sg_superseded: f('checkbox', { label: 'Superseded', default: false }),
      client_approved: f('checkbox', { label: 'Client Approved', default: false }),
      image: ro('image'),
    }),
    Note: entity('subject', true, {
      subject: f('text'),
      content: f('text', { label: 'Body' }),
      sg_status_list: f('status_list', { label: 'Status', validValues: ['opn', 'ip', 'clsd'], default: 'opn' }),
      note_links: links('Shot', 'Asset', 'Sequence', 'Version', 'Project'),
      tasks: links('Task'),
      addressings_to: links('HumanUser', 'Group'),
      addressings_cc: links('HumanUser', 'Group'),
      user: link('HumanUser', 'ApiUser'),
      sg_note_type: f('list', { label: 'Type', validValues: ['Client', 'Internal', 'Dailies'] }),
    }),
    PublishedFile: entity('code', true, {
      code: f('text'),
      entity: link(...SHOT_LINKABLE),
      task: link('Task'),
      version: link('Version'),
      version_number: f('number'),
      sg_status_list: f('status_list', { label: 'Status', validValues: ['wtg', 'ip', 'cmpt'], default: 'cmpt' }),
      description: f('text'),
    }),
    EventLogEntry: {
      displayField: 'description',
      projectRequired: false,
      fields: {
        id: ro('number', { label: 'Id' }),
        event_type: f('text', { label: 'Event Type' }),
        attribute_name: f('text', { label: 'Attribute Name' }),
        meta: f('serializable', { label: 'Meta' }),
        entity: f('entity', { label: 'Link' }),
        project: link('Project'),
        user: f('entity', { label: 'Who', validTypes: ['HumanUser', 'ApiUser'] }),
        session_uuid: f('uuid', { label: 'Session Id' }),
        created_at: ro('date_time', { label: 'Date Created' }),
        description: f('text', { label: 'Event Summary' }),
        cached_display_name: ro('text', { label: 'Cached Display Name' }),
        image: ro('image'),
      },
    },
  };
}

const plurals = new Map<string, string>();

/**
 * Entity types in the REST path: CamelCase or plural snake_case (docs/shotgrid-wire.md §1.1).
 * Memoized: every REST record names its type's plural several times (links).
 */
export function pluralSnake(type: string): string {
  let p = plurals.get(type);
  if (p === undefined) plurals.set(type, (p = pluralOf(type)));
  return p;
}

function pluralOf(type: string): string {
  const snake = type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(snake)) return `${snake}es`;
  return `${snake}s`;
}

/** Relations legal per data type (docs/shotgrid-wire.md §3, REF table). */
export function relationsFor(dataType: DataType): string[] | null {
  switch (dataType) {
    case 'number':
    case 'float':
    case 'duration':
    case 'percent':
    case 'currency':
    case 'timecode':
      return ['is', 'is_not', 'less_than', 'greater_than', 'between', 'not_between', 'in', 'not_in'];
    case 'text':
    case 'url':
    case 'color':
      return ['is', 'is_not', 'contains', 'not_contains', 'starts_with', 'ends_with', 'in', 'not_in'];
    case 'list':
    case 'status_list':
    case 'uuid':
    case 'entity_type':
      return ['is', 'is_not', 'in', 'not_in'];
    case 'checkbox':
      return ['is', 'is_not'];
    case 'date':
    case 'date_time':
      return [
        'is',
        'is_not',
        'greater_than',
        'less_than',
        'between',
        'not_between',
        'in_last',
        'not_in_last',
        'in_next',
        'not_in_next',
        'in_calendar_day',
        'in_calendar_week',
        'in_calendar_month',
        'in_calendar_year',
        'in',
        'not_in',
      ];
    case 'entity':
      return [
        'is',
        'is_not',
        'type_is',
        'type_is_not',
        'name_contains',
        'name_not_contains',
        'name_starts_with',
        'name_ends_with',
        'name_is',
        'in',
        'not_in',
      ];
    case 'multi_entity':
      return ['is', 'is_not', 'type_is', 'type_is_not', 'name_contains', 'name_not_contains', 'name_is', 'in', 'not_in'];
    case 'serializable':
    case 'image':
    case 'password':
      return null;
  }
}
