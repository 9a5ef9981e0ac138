// The IPC side of the contract in the main process.
// - Commands: one invoke/handle channel per command, `sge:cmd:<name>`, registered from
//   COMMAND_NAMES (so every command has a handler). Each call is checked twice before it
//   reaches the engine: the sender (main window, top frame, app:// origin) and the
//   arguments (the contract's zod schema via parseCommand); a failure is a readable error
//   and the handler is not called.
// - Pushes: the engine's updates go through UpdateBatcher to ONE channel, `sge:updates`
//   (at most one message every ~100 ms or per 2000 items); full snapshots go to
//   `sge:snapshot`.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { parseCommand, type CommandName, type Snapshot, type Update } from '../contract.js';
import { COMMAND_CHANNELS, SNAPSHOT_CHANNEL, UPDATES_CHANNEL } from '../preload/channels.js';
import { UpdateBatcher, type BatcherOptions } from '../ui/batcher.js';
import { untrustedSenderReason } from './security.js';

export interface CommandIpcOptions {
  /** The main window's webContents: the only trusted sender. */
  trusted: () => WebContents | null;
  /** Runs a validated command. */
  dispatch: (name: CommandName, args: unknown) => Promise<unknown>;
  log?: (message: string) => void;
}

/** Registers every command's handler; returns a function removing them. */
export function registerCommandIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, o: CommandIpcOptions): () => void {
  for (const [name, channel] of COMMAND_CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, args: unknown) => {
      const why = untrustedSenderReason(event, o.trusted());
      if (why) {
        o.log?.(`Rejected IPC ${name} from an untrusted sender: ${why}.`);
        throw new Error(`${name} rejected: the sender is not the app window`);
      }
      const parsed = parseCommand(name, args);
      return o.dispatch(parsed.name, parsed.args);
    });
  }
  return () => {
    for (const [, channel] of COMMAND_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** The push side for one window: batched updates and snapshots, dropped once the window is gone. */
export class WindowSink {
  private readonly batcher: UpdateBatcher;
  private closed = false;

  constructor(
    private readonly wc: Pick<WebContents, 'send' | 'isDestroyed'>,
    opts: BatcherOptions = {},
  ) {
    this.batcher = new UpdateBatcher((updates) => this.send(UPDATES_CHANNEL, updates), { intervalMs: 100, ...opts });
  }

  private send(channel: string, payload: unknown): void {
    if (this.closed || this.wc.isDestroyed()) return;
    this.wc.send(channel, payload);
  }

  push(u: Update): void {
    if (!this.closed) this.batcher.push(u);
  }

  /** Pending updates first (the snapshot supersedes them), then the snapshot. */
  snapshot(s: Snapshot): void {
    this.batcher.flush();
    this.send(SNAPSHOT_CHANNEL, s);
  }

  close(): void {
    this.closed = true;
    this.batcher.close();
  }
}
