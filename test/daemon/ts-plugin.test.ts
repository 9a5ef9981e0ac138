// A TypeScript plugin (.ts with type annotations, an interface, an enum, a type-only import
// of the package's API and a relative import of a helper module) loads through the CLI:
// `check` lists its callback and filter, and the daemon delivers events to it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSite, PLUGIN_SCRIPT, until, type Site } from './harness.js';
import { cursorsReach, shotId } from './helpers.js';

let site: Site;
afterEach(async () => site?.close());

const HELPER = `// Files starting with "_" are not plugins: a helper module the plugin imports.
export function line<T extends { id: number }>(event: T, kind: string): string {
  return JSON.stringify({ id: event.id, kind }) + '\\n';
}
`;

function tsPlugin(recordsDir: string): string {
  return `import { appendFileSync } from 'node:fs';
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { line } from './_helper.js';

enum Kind {
  CutIn = 'cut-in',
  Other = 'other',
}

interface Args {
  readonly file: string;
}

const args: Args = { file: ${JSON.stringify(path.join(recordsDir, 'typed.jsonl'))} };

export function registerCallbacks(reg: Registrar): void {
  reg.registerCallback(${JSON.stringify(PLUGIN_SCRIPT.name)}, ${JSON.stringify(PLUGIN_SCRIPT.key)}, onShotChange, args, {
    matchEvents: { Shotgun_Shot_Change: ['sg_cut_in', 'sg_cut_out'] },
    stopOnError: false,
  });
}

async function onShotChange(_sg: Shotgun, event: EventLogEntry, a: Args, ctx: CallbackContext): Promise<void> {
  const kind: Kind = event.attribute_name === 'sg_cut_in' ? Kind.CutIn : Kind.Other;
  ctx.logger.debug(\`event \${event.id} is \${kind}\`);
  appendFileSync(a.file, line(event, kind));
}
`;
}

describe('TypeScript plugins', () => {
  it('a .ts plugin with type annotations passes check and receives events', async () => {
    site = await makeSite();
    site.writePlugin('_helper.ts', HELPER);
    site.writePlugin('typed.ts', tsPlugin(site.recordsDir));

    const check = await site.cli(['check', '--config', site.configPath]);
    expect(check.stdout).toContain(
      `plugin typed (${path.join(site.pluginsDir, 'typed.ts')}): 1 callback(s)\n` +
        `  - onShotChange as script plugins; stopOnError=false; timeout 300 s\n` +
        `    matches: Shotgun_Shot_Change: sg_cut_in, sg_cut_out\n`,
    );
    expect(check.stdout).not.toContain('_helper');
    expect(check.code, check.stdout + check.stderr).toBe(0);

    const d = site.run();
    await d.waitFor(/Pushing an event_type filter to the server: Shotgun_Shot_Change\n/);
    const before = site.sandbox.store.lastEventId;
    const shot = await shotId(site);
    await site.sg.update('Shot', shot, { sg_cut_in: 1 });
    await site.sg.update('Shot', shot, { description: 'skipped' });
    await site.sg.update('Shot', shot, { sg_cut_out: 2 });
    await cursorsReach(site, ['typed'], before + 3);
    await until(() => site.records('typed').length === 2, 'typed got 2 events');
    expect(site.records('typed') as unknown).toEqual([
      { id: before + 1, kind: 'cut-in' },
      { id: before + 3, kind: 'other' },
    ]);
    // the log line travels worker → host → the daemon's stdout apart from the record file: wait for it
    await d.waitFor(new RegExp(`DEBUG:plugin\\.typed\\.onShotChange:event ${before + 1} is cut-in`));
    expect(await d.stop()).toBe(0);
  });
});
