// The sharedState trio's common test: three callbacks per event share their counters.
import { expect } from 'vitest';
import { runPlugin } from './helpers.js';

export async function expectSharedCounters(name: string): Promise<void> {
  const run = await runPlugin(name, { enabled: true });
  try {
    const shot = (await run.sg.findOne('Shot', [], ['id']))!;
    await run.sg.update('Shot', shot.id, { description: 'one' });
    await run.sg.update('Shot', shot.id, { description: 'two' });
    await run.settle();
    const counters = run
      .logs()
      .map((l) => /Sequential #(\d+) - Rotating #(\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), Number(m[2])]);
    // Two events × three callbacks: sequential keeps counting, rotating restarts per event.
    expect(counters).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
    expect(run.errors()).toEqual([]);
  } finally {
    await run.close();
  }
}
