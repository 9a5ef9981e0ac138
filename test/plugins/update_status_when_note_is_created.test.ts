import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const get = async (r: PluginRun, type: string, id: number, fields: string[]) => (await r.sg.findOne(type, [['id', 'is', id]], fields))!;

describe('update_status_when_note_is_created', () => {
  it('a new Note sets its linked Versions pending review to viewed', async () => {
    run = await runPlugin('update_status_when_note_is_created', { enabled: true });
    const pending = await run.sg.create('Version', { project: run.project, code: 'v001' });
    const approved = await run.sg.create('Version', { project: run.project, code: 'v002', sg_status_list: 'apr' });
    await run.sg.create('Note', {
      project: run.project,
      subject: 'notes',
      content: 'Looks good',
      note_links: [
        { type: 'Version', id: pending.id },
        { type: 'Version', id: approved.id },
      ],
    });
    await run.settle();
    expect((await get(run, 'Version', pending.id, ['sg_status_list'])).sg_status_list).toBe('vwd');
    expect((await get(run, 'Version', approved.id, ['sg_status_list'])).sg_status_list).toBe('apr');
    expect(run.errors()).toEqual([]);
  });
});
