// `shotgun-events new-plugin NAME [--dir D]`: writes D/NAME.ts, a commented starter plugin,
// and D/NAME.test.ts, its test (shotgun-events/testing against an in-process sandbox).
// Refuses to overwrite either file.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';

/** A plugin name: a file name that is also an identifier-ish word (the daemon skips names starting with '_'). */
export function checkPluginName(raw: string): string {
  const name = raw.replace(/\.ts$/, '');
  if (name.startsWith('_')) {
    throw new Error(`'${raw}': plugin names may not start with '_' (the daemon skips such files as helpers)`);
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name) || name.length > 100) {
    throw new Error(`'${raw}' is not a valid plugin name: use a letter then letters, digits, '_' or '-' (e.g. version_finaled, updateTimecode)`);
  }
  return name;
}

export function newPluginCommand(): Command {
  return new Command('new-plugin')
    .description('write a commented starter plugin NAME.ts and its test NAME.test.ts')
    .argument('<name>', 'the plugin name (its file name, without .ts)')
    .option('-d, --dir <dir>', 'where to write the files', '.')
    .action((rawName: string, o: { dir: string }) => {
      const name = checkPluginName(rawName);
      const dir = path.resolve(o.dir);
      const pluginFile = path.join(dir, `${name}.ts`);
      const testFile = path.join(dir, `${name}.test.ts`);
      for (const f of [pluginFile, testFile]) {
        if (existsSync(f)) throw new Error(`${f} already exists; not overwriting it (choose another name or --dir)`);
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(pluginFile, pluginSource(name), { flag: 'wx' });
      writeFileSync(testFile, testSource(name), { flag: 'wx' });
      process.stdout.write(
        `wrote ${pluginFile}\nwrote ${testFile}\n` +
          `next: set the script name and key in ${name}.ts, run its test (npx vitest run ${path.relative(process.cwd(), testFile) || testFile}), ` +
          `then put the file in a [plugins] paths folder and try it with shotgun-events explain / replay.\n`,
      );
    });
}

export function pluginSource(name: string): string {
  return `// ${name}: a Shotgun Events plugin (written by \`shotgun-events new-plugin\`).
//
// When a Shot's status changes, it writes "status: <new status>" into another field of that
// Shot (by default \`description\`). Replace the body of onShotStatus with your own logic.
// Reference: docs/plugins.md of the shotgun-events package.
//
// The daemon loads this file in its own worker thread, calls registerCallbacks(reg) once,
// then calls each callback for every event its matchEvents accepts, in event id order.

import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';

// The ShotGrid script (Admin > Scripts) this plugin acts as: its \`sg\` connection is
// authenticated with it. Give it only the permissions the plugin needs.
const SCRIPT_NAME = '${name}';
const SCRIPT_KEY = 'replace-with-the-script-application-key';

/** The plugin's settings: passed as \`args\` to every call (validated once, below). */
export interface Args {
  /** The Shot text field to write into. */
  field: string;
}

const DEFAULT_ARGS: Args = { field: 'description' };

/** Called once when the plugin loads (and again when the file changes). */
export function registerCallbacks(reg: Registrar): void {
  const args = checkArgs(DEFAULT_ARGS);
  reg.logger.debug('registering with %j', args);
  reg.registerCallback(SCRIPT_NAME, SCRIPT_KEY, onShotStatus, args, {
    // event type -> attribute names (exact names; null or '*' = any attribute).
    matchEvents: { Shotgun_Shot_Change: ['sg_status_list'] },
    // true (default): a failure holds this plugin at the event and retries it.
    stopOnError: true,
    // This callback's time limit; ctx.signal aborts when it runs out.
    timeoutMs: 60_000,
  });
}

/** Throws a clear error at load time when the settings are wrong. */
function checkArgs(args: Args): Args {
  if (typeof args.field !== 'string' || !/^[a-z][a-z0-9_]*$/.test(args.field)) {
    throw new TypeError(\`${name}: args.field must be a field name such as 'description', got \${JSON.stringify(args.field)}\`);
  }
  return args;
}

/**
 * The callback: \`sg\` is a ShotGrid connection as SCRIPT_NAME (created on first use), \`event\`
 * the EventLogEntry (event_type, attribute_name, entity, meta, user, project, created_at...),
 * \`args\` the object given to registerCallback, \`ctx\` the logger, abort signal, late flag...
 *
 * Delivery is at least once: after a crash the same event may come again, so make the work
 * idempotent (here: writing the same value twice is harmless).
 */
async function onShotStatus(sg: Shotgun, event: EventLogEntry, args: Args, ctx: CallbackContext): Promise<void> {
  checkArgs(args);
  const shot = event.entity;
  if (!shot) {
    ctx.logger.info('event %d: the Shot is gone (retired), nothing to do', event.id);
    return;
  }
  const status = (event.meta as { new_value?: unknown } | null)?.new_value;
  ctx.logger.info('Shot %d status is now %s%s', shot.id, status, ctx.late ? ' (late event)' : '');
  await sg.update('Shot', shot.id, { [args.field]: \`status: \${String(status)}\` });
}
`;
}

export function testSource(name: string): string {
  return `// The test of ${name}.ts (written by \`shotgun-events new-plugin\`). It starts a sandbox site
// in-process, loads the plugin in a real worker, makes a real write (which makes the real
// event), waits for the plugin to handle it and reads the result back.
// Run it with: npx vitest run ${name}.test.ts

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { testPlugin, type PluginTest } from 'shotgun-events/testing';

const PLUGIN = fileURLToPath(new URL('./${name}.ts', import.meta.url));

describe('${name}', () => {
  let t: PluginTest | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('writes the new status into the Shot when its status changes', async () => {
    t = await testPlugin({ file: PLUGIN });
    const shot = await t.sg.findOne<{ id: number; sg_status_list: string }>('Shot', [], ['sg_status_list']);
    expect(shot).toBeTruthy();
    const status = shot!.sg_status_list === 'ip' ? 'hld' : 'ip';

    await t.sg.update('Shot', shot!.id, { sg_status_list: status }); // a real write: the real event
    await t.settle(); // the plugin has handled every event so far

    expect(t.errors).toEqual([]);
    expect(t.messages()).toContain(\`Shot \${shot!.id} status is now \${status}\`);
    const back = await t.sg.findOne<{ description: string | null }>('Shot', [['id', 'is', shot!.id]], ['description']);
    expect(back?.description).toBe(\`status: \${status}\`);
  });

  it('ignores other changes', async () => {
    t = await testPlugin({ file: PLUGIN });
    const shot = await t.sg.findOne<{ id: number }>('Shot', [], ['id']);
    await t.sg.update('Shot', shot!.id, { description: 'edited by hand' });
    await t.settle();
    expect(t.outcomes).toEqual([]);
  });

  it('can run with other args', async () => {
    t = await testPlugin({ file: PLUGIN, args: { field: 'code' } });
    const shot = await t.sg.findOne<{ id: number; sg_status_list: string }>('Shot', [], ['sg_status_list']);
    const status = shot!.sg_status_list === 'fin' ? 'hld' : 'fin';
    await t.sg.update('Shot', shot!.id, { sg_status_list: status });
    await t.settle();
    expect(t.errors).toEqual([]);
    const back = await t.sg.findOne<{ code: string }>('Shot', [['id', 'is', shot!.id]], ['code']);
    expect(back?.code).toBe(\`status: \${status}\`);
  });
});
`;
}
