// sharedStateC (port of the original examplePlugins/sharedStateC.py): three callbacks that
// are objects (the Python `__call__` instances: here, objects with a handle method) holding
// one shared state object. The first one resets "rotating" at each event. Same counters as
// sharedStateA and B. The state lasts as long as the plugin's worker.
//
// Demo mode: off by default (enabled: false). It writes nothing, but it logs three lines per
// event, which would drown the demo's log. Set enabled: true to watch it.
import type { CallbackContext, CallbackObject, EventLogEntry, MatchEvents, Registrar, Shotgun } from 'shotgun-events';
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

class Counter implements CallbackObject<null> {
  constructor(
    private readonly state: Counters,
    private readonly rotate = false,
  ) {}

  handle(_sg: Shotgun, _event: EventLogEntry, _args: null, ctx: CallbackContext): void {
    if (this.rotate) this.state.rotating = -1;
    this.state.sequential += 1;
    this.state.rotating += 1;
    ctx.logger.info('Sequential #%d - Rotating #%d', this.state.sequential, this.state.rotating);
  }
}

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck('sharedStateC', s).boolean('enabled').script();
  if (!s.enabled) return;
  const state: Counters = { sequential: -1, rotating: -1 };
  const opts = { matchEvents: s.matchEvents };
  reg.registerCallback(s.script.name, s.script.key, new Counter(state, true), null, { ...opts, name: 'counterA' });
  reg.registerCallback(s.script.name, s.script.key, new Counter(state), null, { ...opts, name: 'counterB' });
  reg.registerCallback(s.script.name, s.script.key, new Counter(state), null, { ...opts, name: 'counterC' });
}
