// The quick torture variant inside `npm test` (the full run is `npm run torture`,
// docs/reliability.md): 10 kill -9 cycles and the bad-plugin and bad-config tables, with
// assertions on outcomes only — nothing lost, state readable, the healthy plugin fed, every
// bad input named — never on timings.

import { describe, it } from 'vitest';
import { badConfigs, BAD_CONFIGS } from './bad-configs.js';
import { badPlugins, BAD_PLUGINS } from './bad-plugins.js';
import { markdownTable, type Options } from './common.js';
import { killCycles } from './kill-cycles.js';

const o: Options = { quick: true, cycles: 10, log: () => {} };

// The three sections run side by side (each on its own sites): the bad-plugin table spends
// most of its time waiting out a 30 s plugin load timeout, time the others can use.
// Concurrent tests take `expect` from their context, so each soft failure names its test.
describe.concurrent('torture, quick', () => {
  it(
    '10 kill -9 cycles with traffic, first starts and plugin loading included: nothing lost, state always readable',
    { timeout: 600_000 },
    async ({ expect }) => {
      const r = await killCycles(o);
      console.log(markdownTable(r.headers, r.rows));
      expect(r.cycles).toHaveLength(10);
      expect(r.cycles.some((c) => c.phase.startsWith('first start'))).toBe(true);
      expect(r.cycles.filter((c) => c.state === 'unreadable')).toEqual([]);
      for (const [name, p] of Object.entries(r.perPlugin)) {
        expect.soft(p.lost, `events lost by ${name}`).toBe(0);
        expect.soft(p.delivered, `events delivered to ${name}`).toBeGreaterThan(0);
      }
      expect(r.failures).toEqual([]);
    },
  );

  it(
    `${BAD_PLUGINS.length} kinds of bad plugin: each named in an ERROR, the engine and the healthy plugin unharmed`,
    { timeout: 600_000 },
    async ({ expect }) => {
      expect(BAD_PLUGINS.length).toBeGreaterThanOrEqual(20);
      const r = await badPlugins(o);
      console.log(markdownTable(r.headers, r.rows));
      expect(r.results).toHaveLength(BAD_PLUGINS.length);
      for (const x of r.results) {
        expect.soft(x.named, `${x.kind}: a WARNING/ERROR naming ${x.name}`).toBe(true);
        expect.soft(x.engineUp, `${x.kind}: the engine stayed up`).toBe(true);
        expect.soft(x.healthy, `${x.kind}: the healthy plugin got every event`).toBe(true);
      }
    },
  );

  it(
    `${BAD_CONFIGS.length} kinds of bad config or state: named, refused by check, never a silent run or a demo fallback`,
    { timeout: 600_000 },
    async ({ expect }) => {
      expect(BAD_CONFIGS.length).toBeGreaterThanOrEqual(20);
      const r = await badConfigs(o);
      console.log(markdownTable(r.headers, r.rows));
      expect(r.results).toHaveLength(BAD_CONFIGS.length);
      for (const x of r.results) expect.soft(x.failures, x.kind).toEqual([]);
    },
  );
});
