import { afterEach, describe, expect, it } from 'vitest';
import { runPlugin, type PluginRun } from './helpers.js';

let run: PluginRun | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const ids = (links: unknown) => ((links as Array<{ type: string; id: number }> | null) ?? []).map((l) => `${l.type}:${l.id}`).sort();

describe('assign_to_project', () => {
  it('adds assigned people, direct or through a Group, to the Task project users', async () => {
    run = await runPlugin('assign_to_project');
    const { sg, project } = run;
    const direct = await sg.create('HumanUser', { name: 'Ada Direct', login: 'ada' });
    const member = await sg.create('HumanUser', { name: 'Bo Member', login: 'bo' });
    const already = await sg.create('HumanUser', { name: 'Cy Already', login: 'cy' });
    const group = await sg.create('Group', { code: 'comp', users: [{ type: 'HumanUser', id: member.id }] });
    await sg.update('Project', project.id, { users: [{ type: 'HumanUser', id: already.id }] });
    const task = await sg.create('Task', { project, content: 'comp' });

    await sg.update(
      'Task',
      task.id,
      {
        task_assignees: [
          { type: 'HumanUser', id: direct.id },
          { type: 'HumanUser', id: already.id },
        ],
      },
      { task_assignees: 'add' },
    );
    await sg.update('Task', task.id, { task_assignees: [{ type: 'Group', id: group.id }] }, { task_assignees: 'add' });
    await run.settle();

    const p = (await sg.findOne('Project', [['id', 'is', project.id]], ['users']))!;
    expect(ids(p.users)).toEqual([`HumanUser:${already.id}`, `HumanUser:${direct.id}`, `HumanUser:${member.id}`].sort());
    // One add per Task change that brought someone new, none for the person already there.
    expect(run.logs().filter((l) => l.includes('Added HumanUser'))).toHaveLength(2);
    expect(run.errors()).toEqual([]);
  });
});
