// sharedStateB (port of the original examplePlugins/sharedStateB.py): three callbacks share
// state through their `args`, the same object passed to every call of every callback that
// was registered with it. Same counters as sharedStateA: "sequential" counts every call,
// "rotating" restarts at each event. The state lasts as long as the plugin's worker.
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

interface Counters {
  sequential: number;
  rotating: number;
}

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck('sharedStateB', s).boolean('enabled').script();
  if (!s.enabled) return;
  const state: Counters = { sequential: -1, rotating: -1 };
  const opts = { matchEvents: s.matchEvents };
  reg.registerCallback(s.script.name, s.script.key, callbackA, state, opts);
  reg.registerCallback(s.script.name, s.script.key, callbackB, state, opts);
  reg.registerCallback(s.script.name, s.script.key, callbackC, state, opts);
}

function callbackA(sg: Shotgun, event: EventLogEntry, args: Counters, ctx: CallbackContext): void {
  args.rotating = -1;
  printIds(sg, event, args, ctx);
}

function callbackB(sg: Shotgun, event: EventLogEntry, args: Counters, ctx: CallbackContext): void {
  printIds(sg, event, args, ctx);
}

function callbackC(sg: Shotgun, event: EventLogEntry, args: Counters, ctx: CallbackContext): void {
  printIds(sg, event, args, ctx);
}

function printIds(_sg: Shotgun, _event: EventLogEntry, args: Counters, ctx: CallbackContext): void {
  args.sequential += 1;
  args.rotating += 1;
  ctx.logger.info('Sequential #%d - Rotating #%d', args.sequential, args.rotating);
}
