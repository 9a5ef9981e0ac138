// logArgs (port of the original examplePlugins/logArgs.py): logs every event it gets.
// A smoke test that the daemon is alive and dispatching.
import type { CallbackContext, EventLogEntry, Registrar, Shotgun } from 'shotgun-events';
import { DEMO_SCRIPT } from './_demo.js';

export function registerCallbacks(reg: Registrar): void {
  // No matchEvents: every event. Failures here should not hold anything up.
  reg.registerCallback(DEMO_SCRIPT.name, DEMO_SCRIPT.key, logArgs, null, { stopOnError: false });
}

function logArgs(_sg: Shotgun, event: EventLogEntry, args: unknown, ctx: CallbackContext): void {
  ctx.logger.info('%s', JSON.stringify({ event, args }));
}
