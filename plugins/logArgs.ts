// logArgs (port of the original examplePlugins/logArgs.py): logs every event it gets, with
// the args it was registered with. A smoke test that the daemon is alive and dispatching.
//
// Demo mode: on. It writes nothing to the site; its log line per event is what shows a
// newcomer the stream flowing.
import type { CallbackContext, EventLogEntry, MatchEvents, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';
import { SettingsCheck, type ScriptSetting } from './_settings.js';

export const settings: { enabled: boolean; script: ScriptSetting; matchEvents: MatchEvents | null } = {
  enabled: true,
  script: DEMO_SCRIPT,
  /** null: every event, as the original. */
  matchEvents: null,
};

export function registerCallbacks(reg: Registrar): void {
  const s = settings;
  new SettingsCheck('logArgs', s).boolean('enabled').script();
  if (!s.enabled) return;
  // A logging failure must not hold anything up.
  reg.registerCallback(s.script.name, s.script.key, logArgs, { plugin: 'logArgs' }, { matchEvents: s.matchEvents, stopOnError: false });
}

function logArgs(_sg: Shotgun, event: EventLogEntry, args: unknown, ctx: CallbackContext): void {
  ctx.logger.info('%s', JSON.stringify({ event, args }));
}
