// The one transport of this page, wired to the store, and a helper to run commands from
// the views (errors become toasts; the caller still gets the rejection if it cares).

import type { CommandArgs, CommandName, CommandResults } from '../../electron/contract.js';
import { applySnapshot, applyUpdates, setLink, toast } from './store.js';
import { createTransport, type Transport } from './transport.js';

let transport: Transport | null = null;

export function connect(): Transport {
  if (transport) return transport;
  const t = createTransport();
  transport = t;
  t.onSnapshot(applySnapshot);
  t.onUpdates(applyUpdates);
  setLink(t.status());
  t.onStatus(setLink);
  // The preload may have pushed its first snapshot before we listened: ask for one.
  if (t.kind === 'bridge') {
    t.invoke('snapshot', {}).then(applySnapshot, (e: Error) => toast(`Cannot load the engine's state: ${e.message}`, 'error'));
  }
  return t;
}

export function invoke<C extends CommandName>(name: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
  return connect().invoke(name, args);
}

/** Runs a command for a button: a toast on success (if `done` is given) and on failure. */
export async function run<C extends CommandName>(
  name: C,
  args: CommandArgs<C>,
  done?: string | ((r: CommandResults[C]) => string),
): Promise<CommandResults[C] | undefined> {
  try {
    const r = await invoke(name, args);
    if (done) toast(typeof done === 'string' ? done : done(r));
    return r;
  } catch (e) {
    toast(`${name} failed: ${(e as Error).message}`, 'error');
    return undefined;
  }
}

export function reconnectNow(): void {
  transport?.reconnectNow();
}
