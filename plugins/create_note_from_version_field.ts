// create_note_from_version_field (port of the original
// examplePlugins/create_note_from_version_field.py): text typed into a Version field
// (contentField) becomes a Note linked to the Version, its entity (the Shot, say) and its
// Task, then the field is cleared so it is ready for the next note. The Note's author is the
// Version's artist (authorIsArtist) or else whoever typed the text.
//
// Differences from the original: the field is cleared afterwards (clearField), so the same
// text never makes a second Note, and a Note already made from this text (a retry after a
// crash between the two writes) is not made again.
//
// Demo mode: safe. The demo traffic never writes sg_notes_to_create, so it only fires when
// you do. Clearing the field makes a change event with an empty value, which it skips, so it
// never loops.
import type { CallbackContext, Entity, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { checkFields, eventEntityId, SettingsCheck, type ScriptSetting } from './_settings.js';

export interface CreateNoteFromVersionFieldSettings {
  enabled: boolean;
  script: ScriptSetting;
  /** Version text field whose text becomes a Note. */
  contentField: string;
  /** Note.sg_note_type of the new Note; null leaves it empty. */
  noteType: string | null;
  /** The Version's artist (Version.user) writes the Note, rather than whoever typed the text. */
  authorIsArtist: boolean;
  /** Empty contentField once the Note exists. */
  clearField: boolean;
}

export const settings: CreateNoteFromVersionFieldSettings = {
  enabled: true,
  script: DEMO_SCRIPT,
  contentField: 'sg_notes_to_create',
  noteType: 'Client',
  authorIsArtist: true,
  clearField: true,
};

const PLUGIN = 'create_note_from_version_field';

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck(PLUGIN, s)
    .boolean('enabled')
    .script()
    .string('contentField')
    .optionalString('noteType')
    .boolean('authorIsArtist')
    .boolean('clearField');
  if (!s.enabled) return;
  reg.registerCallback(s.script.name, s.script.key, versionContentChanged, s, {
    matchEvents: { Shotgun_Version_Change: [s.contentField] },
  });
}

function isLink(x: unknown): x is Entity {
  return typeof x === 'object' && x !== null && typeof (x as Entity).type === 'string' && typeof (x as Entity).id === 'number';
}

const link = (e: Entity): Entity => ({ type: e.type, id: e.id });

async function versionContentChanged(sg: Shotgun, event: EventLogEntry, s: CreateNoteFromVersionFieldSettings, ctx: CallbackContext): Promise<void> {
  const id = eventEntityId(event);
  const typed = event.meta?.new_value;
  // Our own clearing write (and anyone else's) arrives here with an empty value.
  if (id === null || typeof typed !== 'string' || typed.trim() === '') return;
  await checkFields(sg, PLUGIN, 'Version', [{ setting: 'contentField', field: s.contentField, types: ['text'] }], 'contentField');
  if (s.noteType)
    await checkFields(sg, PLUGIN, 'Note', [{ setting: 'noteType', field: 'sg_note_type', types: ['list'], values: [s.noteType] }], 'noteType');

  // The event may be old: the text that counts is the one in the field now.
  const version = await sg.findOne('Version', [['id', 'is', id]], ['code', 'project', 'entity', 'sg_task', 'user', s.contentField]);
  const text = version?.[s.contentField];
  if (!version || typeof text !== 'string' || text.trim() === '') {
    ctx.logger.debug('Version %d: %s is empty now, skipping', id, s.contentField);
    return;
  }
  const versionLink: Entity = { type: 'Version', id };

  // A retry after a crash between the create and the clear: the Note is already there.
  const existing = await sg.findOne(
    'Note',
    [
      ['note_links', 'is', versionLink],
      ['content', 'is', text],
    ],
    ['id'],
  );
  if (existing) {
    ctx.logger.info('Version %d: Note %d already has this text', id, existing.id);
  } else {
    const author = s.authorIsArtist && isLink(version.user) ? link(version.user) : isLink(event.user) ? link(event.user) : null;
    let authorName = 'Someone';
    if (author) {
      const a = await sg.findOne(author.type, [['id', 'is', author.id]], author.type === 'HumanUser' ? ['firstname', 'name'] : ['firstname']);
      authorName = String(a?.firstname || a?.name || authorName);
    }
    const parent = isLink(version.entity) ? await sg.findOne(version.entity.type, [['id', 'is', version.entity.id]], ['code', 'name']) : null;
    const parentName = parent ? String(parent.code ?? parent.name ?? `${parent.type} ${parent.id}`) : null;
    const data: Record<string, unknown> = {
      project: version.project,
      content: text,
      subject: parentName ? `${authorName}'s Note on ${String(version.code)} and ${parentName}` : `${authorName}'s Note on ${String(version.code)}`,
      note_links: parent ? [link(parent), versionLink] : [versionLink],
    };
    if (author) data.user = author;
    if (s.noteType) data.sg_note_type = s.noteType;
    if (isLink(version.sg_task)) data.tasks = [link(version.sg_task)];
    // As the original: the Note is made by a script on someone's behalf, so ShotGrid sends no e-mail.
    data.suppress_email_notif = true;
    const note = await sg.create('Note', data);
    ctx.logger.info('Created Note %d from Version %d %s', note.id, id, s.contentField);
  }

  if (s.clearField) {
    await sg.update('Version', id, { [s.contentField]: null });
    ctx.logger.debug('Version %d: cleared %s', id, s.contentField);
  }
}
