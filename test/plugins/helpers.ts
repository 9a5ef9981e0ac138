// Runs one example plugin (plugins/<name>.ts) with the package's testing helper
// (`shotgun-events/testing`: an in-process sandbox, the plugin in a real worker). The plugin
// file is copied as `_<name>.ts` next to a small wrapper `<name>.ts` that overrides some of
// its `settings` first, so a test can point a plugin at the fields it writes without editing
// the shipped file. Load errors are checked through the real CLI (`checkPlugin`).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_SCRIPT } from '../../plugins/_demo.js';
import { makeSite, ROOT } from '../daemon/harness.js';
import { testPlugin, type Sandbox } from '../../electron/testing/index.js';
import type { Shotgun } from '../../electron/shotgun/client.js';

export interface PluginRun {
  sandbox: Sandbox;
  /** A client acting as a person (admin): its writes make events. */
  sg: Shotgun;
  /** The sandbox project (the minimal seed's first). */
  project: { type: 'Project'; id: number };
  /** Waits until the plugin has handled every event so far, its own writes' events included. */
  settle(): Promise<void>;
  /** The plugin's log messages. */
  logs(): string[];
  /** Its ERROR/CRITICAL lines and failed callback runs. */
  errors(): string[];
  close(): Promise<void>;
}

const PLUGINS = path.join(ROOT, 'plugins');
const SHARED = ['_demo.ts', '_settings.ts'];

/** Copies the plugin (and its helpers) into `dir`, with settings overrides; returns the wrapper. */
export function installPlugin(dir: string, name: string, overrides: Record<string, unknown> = {}): string {
  for (const f of SHARED) copyFileSync(path.join(PLUGINS, f), path.join(dir, f));
  copyFileSync(path.join(PLUGINS, `${name}.ts`), path.join(dir, `_${name}.ts`));
  const wrapper = path.join(dir, `${name}.ts`);
  writeFileSync(
    wrapper,
    `import * as plugin from './_${name}.js';
Object.assign(plugin.settings, ${JSON.stringify(overrides)});
export const registerCallbacks = plugin.registerCallbacks;
`,
  );
  return wrapper;
}

export async function runPlugin(name: string, overrides: Record<string, unknown> = {}): Promise<PluginRun> {
  const dir = mkdtempSync(path.join(tmpdir(), `sge-plugin-${name}-`));
  const t = await testPlugin({
    file: installPlugin(dir, name, overrides),
    // Its own writes make events, so a loop on them would show (and settle() waits for them).
    scripts: [{ ...DEMO_SCRIPT, generateEvents: true }],
  }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const project = (await t.sg.findOne<{ type: 'Project'; id: number }>('Project', [], ['id']))!;
  return {
    sandbox: t.sandbox,
    sg: t.sg,
    project: { type: 'Project', id: project.id },
    settle: () => t.settle(),
    logs: () => t.messages(),
    errors: () => [
      ...t.logs.filter((l) => l.level === 'error' || l.level === 'critical').map((l) => `${l.level.toUpperCase()}:${l.logger}: ${l.message}`),
      ...t.errors.map((o) => `event ${o.eventId} ${o.name}: ${o.error?.message ?? 'failed'}`),
    ],
    async close() {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `check` on a site holding only this plugin (with overrides): exit code and output. */
export async function checkPlugin(name: string, overrides: Record<string, unknown>): Promise<{ code: number | null; output: string }> {
  const site = await makeSite({ scripts: [{ ...DEMO_SCRIPT, generateEvents: true }] });
  try {
    installPlugin(site.pluginsDir, name, overrides);
    const r = await site.cli(['check', '--config', site.configPath]);
    return { code: r.code, output: r.stdout + r.stderr };
  } finally {
    await site.close();
  }
}
