import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const ids = (links: unknown) => ((links as Array<{ type: string; id: number }> | null) ?? []).map((l) => `${l.type}:${l.id}`).sort();

describe('create_note_from_version_field', () => {
  it('turns the text typed into a Version field into a Note on the Version, its Shot and Task, then clears it', async () => {
    run = await runPlugin('create_note_from_version_field');
    // What the plugin sent for each Note it created (the sandbox drops suppress_email_notif).
    const noteWrites: Array<Record<string, unknown>> = [];
    const create = run.sandbox.store.create.bind(run.sandbox.store);
    run.sandbox.store.create = (type, data, actor) => {
      if (type === 'Note') noteWrites.push({ ...data });
      return create(type, data, actor);
    };
    const { sg, project } = run;
    const artist = await sg.create('HumanUser', { name: 'Ada Lovelace', firstname: 'Ada', login: 'ada' });
    const shot = await sg.create('Shot', { project, code: 'sh010' });
    const task = await sg.create('Task', { project, content: 'comp', entity: { type: 'Shot', id: shot.id } });
    const version = await sg.create('Version', {
      project,
      code: 'sh010_comp_v001',
      entity: { type: 'Shot', id: shot.id },
      sg_task: { type: 'Task', id: task.id },
      user: { type: 'HumanUser', id: artist.id },
    });

    await sg.update('Version', version.id, { sg_notes_to_create: 'Fix the flicker on frame 1012' });
    await run.settle();

    const notes = await sg.find(
      'Note',
      [['note_links', 'is', { type: 'Version', id: version.id }]],
      ['subject', 'content', 'note_links', 'tasks', 'user', 'sg_note_type', 'project'],
    );
    expect(notes).toHaveLength(1);
    const note = notes[0]!;
    expect(note.content).toBe('Fix the flicker on frame 1012');
    expect(note.subject).toBe("Ada's Note on sh010_comp_v001 and sh010");
    expect(ids(note.note_links)).toEqual([`Shot:${shot.id}`, `Version:${version.id}`].sort());
    expect(ids(note.tasks)).toEqual([`Task:${task.id}`]);
    expect(ids([note.user])).toEqual([`HumanUser:${artist.id}`]);
    expect(note.sg_note_type).toBe('Client');
    expect(noteWrites.map((d) => d.suppress_email_notif)).toEqual([true]);
    expect((await sg.findOne('Version', [['id', 'is', version.id]], ['sg_notes_to_create']))!.sg_notes_to_create).toBeNull();

    // The field is ready for the next note.
    await sg.update('Version', version.id, { sg_notes_to_create: 'Now the edges' });
    await run.settle();
    expect(await sg.find('Note', [['note_links', 'is', { type: 'Version', id: version.id }]], ['id'])).toHaveLength(2);
    expect(run.errors()).toEqual([]);
  });
});
