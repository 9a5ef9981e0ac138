// Which UI commands are user actions worth an audit entry, and how the entry words them.
// Cursor moves and skips are audited where they happen (control.ts: they know before/after
// and the replay count); everything else a user does to a plugin is listed here.

import type { CommandArgs, CommandName } from '../contract.js';

export interface AuditedAction {
  /** The plugin acted on, or '*' for every plugin. */
  plugin: string;
  text: string;
}

export function auditedAction<C extends CommandName>(name: C, args: CommandArgs<C>): AuditedAction | null {
  const a = args as { plugin?: string; enabled?: boolean; eventId?: number };
  const plugin = a.plugin ?? '*';
  switch (name) {
    case 'pauseAll':
      return { plugin: '*', text: 'paused all plugins' };
    case 'resumeAll':
      return { plugin: '*', text: 'resumed all plugins' };
    case 'pause':
      return { plugin, text: 'paused' };
    case 'resume':
      return { plugin, text: 'resumed' };
    case 'setEnabled':
      return { plugin, text: a.enabled ? 'enabled' : 'disabled' };
    case 'retryHeld':
      return { plugin, text: 'retried the held event' };
    case 'retryFailed':
      return { plugin, text: `retried failed event ${a.eventId}` };
    case 'dismissFailed':
      return { plugin, text: `dismissed failed event ${a.eventId}` };
    case 'replayEvent':
      return { plugin, text: `replayed event ${a.eventId}` };
    case 'reload':
      return { plugin, text: 'reloaded' };
    default:
      return null;
  }
}
