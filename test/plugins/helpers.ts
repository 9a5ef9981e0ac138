// Runs one example plugin (plugins/<name>.ts) under the real daemon CLI against a sandbox
// site (test/daemon/harness.ts). The plugin file is copied as `_<name>.ts` next to a small
// wrapper `<name>.ts` that overrides some of its `settings` first, so a test can point a
// plugin at the fields it writes without editing the shipped file.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_SCRIPT } from '../../plugins/_demo.js';
import { makeSite, ROOT, until, type Daemon, type Site } from '../daemon/harness.js';
import { readState } from '../daemon/helpers.js';
import type { Shotgun } from '../../electron/shotgun/client.js';

export interface PluginRun {
  site: Site;
  daemon: Daemon;
  /** A client acting as a person (admin): its writes make events. */
  sg: Shotgun;
  /** The sandbox project (the minimal seed's first). */
  project: { type: 'Project'; id: number };
  /** Waits until the plugin has handled every event so far, its own writes' events included. */
  settle(): Promise<void>;
  /** The daemon's log lines from this plugin. */
  logs(): string[];
  /** The plugin's ERROR/CRITICAL lines. */
  errors(): string[];
  close(): Promise<void>;
}

const PLUGINS = path.join(ROOT, 'plugins');
const SHARED = ['_demo.ts', '_settings.ts'];

/** Copies the plugin (and its helpers) into a new site's plugin folder, with settings overrides. */
export function installPlugin(site: Site, name: string, overrides: Record<string, unknown> = {}): void {
  for (const f of SHARED) copyFileSync(path.join(PLUGINS, f), path.join(site.pluginsDir, f));
  copyFileSync(path.join(PLUGINS, `${name}.ts`), path.join(site.pluginsDir, `_${name}.ts`));
  site.writePlugin(
    `${name}.ts`,
    `import * as plugin from './_${name}.js';
Object.assign(plugin.settings, ${JSON.stringify(overrides)});
export const registerCallbacks = plugin.registerCallbacks;
`,
  );
}

export async function runPlugin(name: string, overrides: Record<string, unknown> = {}): Promise<PluginRun> {
  const site = await makeSite({ scripts: [{ ...DEMO_SCRIPT, generateEvents: true }] });
  installPlugin(site, name, overrides);
  const daemon = site.run();
  try {
    await daemon.waitFor(/Polling every event type|Pushing an event_type filter/);
  } catch (e) {
    await site.close();
    throw e;
  }
  const project = (await site.sg.findOne<{ type: 'Project'; id: number }>('Project', [], ['id']))!;
  const lines = () => daemon.output().split('\n').filter((l) => l.includes(`plugin.${name}`) || l.includes(`plugin ${name}`));
  return {
    site,
    daemon,
    sg: site.sg,
    project: { type: 'Project', id: project.id },
    async settle() {
      for (;;) {
        const head = site.sandbox.store.lastEventId;
        await until(() => (readState(site)?.plugins[name]?.lastId ?? -1) >= head, `${name} reached event ${head}\n${daemon.output().slice(-2000)}`, 8000);
        if (site.sandbox.store.lastEventId === head) return;
      }
    },
    logs: lines,
    errors: () => lines().filter((l) => /\b(ERROR|CRITICAL)\b/.test(l)),
    async close() {
      await daemon.stop();
      await site.close();
    },
  };
}

/** `check` on a site holding only this plugin (with overrides): exit code and output. */
export async function checkPlugin(name: string, overrides: Record<string, unknown>): Promise<{ code: number | null; output: string }> {
  const site = await makeSite({ scripts: [{ ...DEMO_SCRIPT, generateEvents: true }] });
  try {
    installPlugin(site, name, overrides);
    const r = await site.cli(['check', '--config', site.configPath]);
    return { code: r.code, output: r.stdout + r.stderr };
  } finally {
    await site.close();
  }
}
