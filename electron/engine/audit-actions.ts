// Which UI commands are user actions worth an audit entry, and how the entry words them.
// Cursor moves and skips are audited where they happen (control.ts: they know before/after
// and the replay count); everything else a user does to a plugin is listed here.

import type { CommandArgs, CommandName } from '../contract.js';

export interface AuditedAction {
  /** The plugin acted on, or '*' for every plugin. */
  plugin: string;
  text: string;
}

/** The audited commands, each wording its entry from its own typed arguments. */
type AuditWording = { [C in CommandName]?: (args: CommandArgs<C>) => AuditedAction };

const AUDITED: AuditWording = {
  pauseAll: () => ({ plugin: '*', text: 'paused all plugins' }),
  resumeAll: () => ({ plugin: '*', text: 'resumed all plugins' }),
  pause: ({ plugin }) => ({ plugin, text: 'paused' }),
  resume: ({ plugin }) => ({ plugin, text: 'resumed' }),
  setEnabled: ({ plugin, enabled }) => ({ plugin, text: enabled ? 'enabled' : 'disabled' }),
  retryHeld: ({ plugin }) => ({ plugin, text: 'retried the held event' }),
  retryFailed: ({ plugin, eventId }) => ({ plugin, text: `retried failed event ${eventId}` }),
  dismissFailed: ({ plugin, eventId }) => ({ plugin, text: `dismissed failed event ${eventId}` }),
  replayEvent: ({ plugin, eventId }) => ({ plugin, text: `replayed event ${eventId}` }),
  reload: ({ plugin }) => ({ plugin, text: 'reloaded' }),
};

/** The audit entry a command makes, or null when it is not audited here. */
export function auditedAction<C extends CommandName>(name: C, args: CommandArgs<C>): AuditedAction | null {
  const word: AuditWording[C] = AUDITED[name];
  return word ? word(args) : null;
}
