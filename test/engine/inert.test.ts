// A plugin that loads but registers no callback is "Inert", and the UI says why: what the
// plugin warned about while loading (the original's examples log "Plugin is not valid, will
// not register callback."). The engine in-process against a sandbox over HTTP.
import { describe, expect, it } from 'vitest';
import { INERT_NO_CALLBACK } from '../../electron/engine/inert-reason.js';
import { recorderPlugin, until } from '../daemon/harness.js';
import { inProcess } from './in-process.js';

const live = inProcess();
const NOT_VALID = 'Plugin is not valid, will not register callback.';

describe('inert plugins', () => {
  it('carry what they warned about while loading; a reload that registers a callback clears it', async () => {
    const s = await live.site();
    s.writePlugin('quiet.mjs', `export function registerCallbacks(reg) { reg.logger.warning(${JSON.stringify(NOT_VALID)}); }\n`);
    s.writePlugin('silent.mjs', `export function registerCallbacks(reg) {}\n`);
    const { engine } = await live.engine(s);
    const inert = (name: string) => engine.snapshot().plugins.find((p) => p.name === name)?.inert;
    expect(inert('quiet')).toBe(`${INERT_NO_CALLBACK}; it logged: ${NOT_VALID}`);
    expect(inert('silent')).toBe(INERT_NO_CALLBACK);

    s.writePlugin('quiet.mjs', recorderPlugin(s.recordsDir, 'quiet'));
    await until(() => inert('quiet') === null, 'quiet reloaded with a callback', 30_000);
  }, 60_000);
});
