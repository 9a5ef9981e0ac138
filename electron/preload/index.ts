// The preload: exposes exactly the UI contract (electron/contract.ts `Bridge`) to the
// renderer as `window.shotgunEvents`, built from `COMMAND_NAMES`, and nothing else: no
// generic send/on, no Electron objects, never the IpcRendererEvent.
//
// The window is sandboxed, and a sandboxed preload can `require` only `electron` (and
// `events`, `timers`, `url`): this file and the contract it imports are bundled by
// esbuild (scripts/build-preload.mjs) into one CommonJS file, dist/preload/index.cjs,
// whose only `require` is `electron`. A test checks the bundle.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Bridge, Snapshot, Update } from '../contract.js';
import { commandChannel, isCommandName, SNAPSHOT_CHANNEL, UPDATES_CHANNEL } from './channels.js';

/** The global name the renderer looks for. */
export const BRIDGE_KEY = 'shotgunEvents';

type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** "Error invoking remote method 'sge:cmd:pause': Error: no plugin named 'x'" → "no plugin named 'x'". */
export function cleanIpcError(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(message.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, ''));
}

export function createBridge(ipc: IpcRendererLike): Bridge {
  const subscribe = <T>(channel: string, cb: (payload: T) => void): (() => void) => {
    if (typeof cb !== 'function') throw new TypeError(`${channel}: expected a callback function`);
    // The page gets the payload only, never the event (it carries `sender`).
    const listener = (_event: IpcRendererEvent, payload: T) => cb(payload);
    ipc.on(channel, listener);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipc.removeListener(channel, listener);
    };
  };

  const bridge: Bridge = {
    invoke(name, args) {
      if (!isCommandName(name)) return Promise.reject(new Error(`unknown command ${JSON.stringify(name)}`));
      return ipc.invoke(commandChannel(name), args).catch((e: unknown) => {
        throw cleanIpcError(e);
      });
    },
    onSnapshot: (cb) => subscribe<Snapshot>(SNAPSHOT_CHANNEL, cb),
    onUpdates: (cb) => subscribe<Update[]>(UPDATES_CHANNEL, cb),
  };
  return Object.freeze(bridge);
}

contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipcRenderer));
