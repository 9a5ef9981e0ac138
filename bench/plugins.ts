// The 5 catch-up plugins, the same in both languages: four write a file on every 1000th
// event, one on every event; each notes the wall time of the first and last preloaded
// event in a mark file, which is how the bench times both daemons the same way.
import { SCRIPTS } from './children.js';

export const CATCHUP_PLUGINS = 5;

export interface PluginSpec {
  name: string;
  /** Write the output file when id % every === 0. */
  every: number;
  /** Mark file prefix: `<mark>.first` / `<mark>.last` hold epoch ms. */
  mark: string;
  /** The file written every `every` events. */
  out: string;
}

export function pluginSpecs(dir: string): PluginSpec[] {
  return Array.from({ length: CATCHUP_PLUGINS }, (_, i) => {
    const name = `writer${i + 1}`;
    return { name, every: i === CATCHUP_PLUGINS - 1 ? 1 : 1000, mark: `${dir}/${name}.mark`, out: `${dir}/${name}.out` };
  });
}

/** For `shotgun-events run` (an ES module plugin). */
export function jsPlugin(p: PluginSpec, first: number, last: number): string {
  return `// bench: writes ${p.out} on every ${p.every === 1 ? '' : `${p.every}th `}event.
import { writeFileSync } from 'node:fs';
const FIRST = ${first};
const LAST = ${last};
const MARK = ${JSON.stringify(p.mark)};
const OUT = ${JSON.stringify(p.out)};
const EVERY = ${p.every};
export function registerCallbacks(reg) {
  reg.registerCallback(${JSON.stringify(SCRIPTS.plugin.name)}, ${JSON.stringify(SCRIPTS.plugin.key)}, write);
}
function write(_sg, event) {
  if (event.id === FIRST) writeFileSync(MARK + '.first', String(Date.now()));
  else if (event.id === LAST) writeFileSync(MARK + '.last', String(Date.now()));
  if (event.id % EVERY === 0) writeFileSync(OUT, event.event_type + ' ' + event.id + '\\n');
}
`;
}

/** For the original daemon (a Python plugin module). */
export function pyPlugin(p: PluginSpec, first: number, last: number): string {
  return `# bench: writes ${p.out} on every ${p.every === 1 ? '' : `${p.every}th `}event.
import time

FIRST = ${first}
LAST = ${last}
MARK = ${JSON.stringify(p.mark)}
OUT = ${JSON.stringify(p.out)}
EVERY = ${p.every}


def registerCallbacks(reg):
    reg.registerCallback(${JSON.stringify(SCRIPTS.plugin.name)}, ${JSON.stringify(SCRIPTS.plugin.key)}, write, None, None)


def _put(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def write(sg, logger, event, args):
    i = event["id"]
    if i == FIRST:
        _put(MARK + ".first", str(int(time.time() * 1000)))
    elif i == LAST:
        _put(MARK + ".last", str(int(time.time() * 1000)))
    if i % EVERY == 0:
        _put(OUT, "%s %d\\n" % (event["event_type"], i))
`;
}
