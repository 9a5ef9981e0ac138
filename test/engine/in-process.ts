// The engine in-process on a sandbox site over HTTP, for tests that read its logs and
// engine views directly. Whatever a test opens here is stopped and closed after it.
import { afterEach } from 'vitest';
import type { EngineView, Update } from '../../electron/contract.js';
import { loadConfig } from '../../electron/engine/config.js';
import { Engine } from '../../electron/engine/engine.js';
import type { LogLine } from '../../electron/engine/logging.js';
import { makeSite, type Site } from '../daemon/harness.js';

export interface InProcessRun {
  engine: Engine;
  logs: LogLine[];
  views: EngineView[];
  logged(re: RegExp, level?: string): boolean;
}

export interface InProcess {
  /** A fresh sandbox site (closed after the test). */
  site(): Promise<Site>;
  /** The engine on `s`'s config, its logs and engine views recorded; started unless `start: false`. */
  engine(s: Site, o?: { start?: boolean }): Promise<InProcessRun>;
}

/** Registers the after-each clean-up of the calling test file; call it once, at its top. */
export function inProcess(): InProcess {
  const sites: Site[] = [];
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop(1000).catch(() => {});
    for (const s of sites.splice(0)) await s.close();
  });
  return {
    async site() {
      const s = await makeSite();
      sites.push(s);
      return s;
    },
    async engine(s, o = {}) {
      const logs: LogLine[] = [];
      const views: EngineView[] = [];
      const engine = await Engine.create({ config: loadConfig(s.configPath), onLog: (l) => logs.push(l) });
      engines.push(engine);
      engine.subscribe((u: Update) => {
        if (u.kind === 'engine') views.push(u.engine);
      });
      if (o.start !== false) await engine.start();
      return { engine, logs, views, logged: (re, level) => logs.some((l) => re.test(l.message) && (!level || l.levelName === level)) };
    },
  };
}
