// sharedStateA (port of the original examplePlugins/sharedStateA.py): three callbacks of one
// plugin share state through a module-level variable. Each event runs callbackA, B and C in
// order; "sequential" counts every call, "rotating" restarts at each event (callbackA resets
// it). Module state lasts as long as the plugin's worker: a reload or a worker restart
// (timeout, crash) starts it over. See sharedStateB (state in `args`) and sharedStateC
// (state in callable objects).
//
// Demo mode: off by default (enabled: false). It writes nothing, but it logs three lines per
// event, which would drown the demo's log. Set enabled: true to watch it.
import type { CallbackContext, EventLogEntry, MatchEvents, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { SettingsCheck, type ScriptSetting } from './_settings.js';

export const settings: { enabled: boolean; script: ScriptSetting; matchEvents: MatchEvents | null } = {
  enabled: false,
  script: DEMO_SCRIPT,
  /** null: every event, as the original. */
  matchEvents: null,
};

const state = { sequential: -1, rotating: -1 };

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck('sharedStateA', s).boolean('enabled').script();
  if (!s.enabled) return;
  const opts = { matchEvents: s.matchEvents };
  reg.registerCallback(s.script.name, s.script.key, callbackA, null, opts);
  reg.registerCallback(s.script.name, s.script.key, callbackB, null, opts);
  reg.registerCallback(s.script.name, s.script.key, callbackC, null, opts);
}

function callbackA(sg: Shotgun, event: EventLogEntry, args: null, ctx: CallbackContext): void {
  state.rotating = -1;
  printIds(sg, event, args, ctx);
}

function callbackB(sg: Shotgun, event: EventLogEntry, args: null, ctx: CallbackContext): void {
  printIds(sg, event, args, ctx);
}

function callbackC(sg: Shotgun, event: EventLogEntry, args: null, ctx: CallbackContext): void {
  printIds(sg, event, args, ctx);
}

function printIds(_sg: Shotgun, _event: EventLogEntry, _args: null, ctx: CallbackContext): void {
  state.sequential += 1;
  state.rotating += 1;
  ctx.logger.info('Sequential #%d - Rotating #%d', state.sequential, state.rotating);
}
