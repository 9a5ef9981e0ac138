// IPC channel names shared by the Electron main process and the preload. Imports nothing
// but the contract, so the preload bundle stays small and both sides derive their channel
// list from the same `COMMAND_NAMES`.

import { COMMAND_NAMES, type CommandName } from '../contract.js';

/** Prefix of the one invoke/handle channel per command: `sge:cmd:<name>`. */
export const COMMAND_CHANNEL_PREFIX = 'sge:cmd:';
/** main → renderer: `Update[]`, at most one message every ~100 ms (UpdateBatcher). */
export const UPDATES_CHANNEL = 'sge:updates';
/** main → renderer: a full `Snapshot` (on did-finish-load, after an engine restart). */
export const SNAPSHOT_CHANNEL = 'sge:snapshot';

export function commandChannel(name: CommandName): string {
  return `${COMMAND_CHANNEL_PREFIX}${name}`;
}

/** Every invoke channel, in contract order. */
export const COMMAND_CHANNELS: ReadonlyArray<readonly [CommandName, string]> = COMMAND_NAMES.map((name) => [name, commandChannel(name)] as const);

const known = new Set<string>(COMMAND_NAMES);

/** Whether `name` is a command of the contract (a string guard for untrusted input). */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && known.has(name);
}
