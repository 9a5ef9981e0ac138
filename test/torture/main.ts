// `npm run torture [-- --quick] [-- --cycles N] [-- --only kill,faults,plugins,configs,ui]`:
// bounded, loopback-only torture runs of the real CLI against the sandbox; prints one
// markdown report (docs/reliability.md). Figures, never pass/fail by time: the exit code is
// 1 only when a promise broke (an event lost, a silent bad input, a secret leaked...).

import os from 'node:os';
import { badConfigs } from './bad-configs.js';
import { badPlugins } from './bad-plugins.js';
import { report, type Options, type Section } from './common.js';
import { killCycles } from './kill-cycles.js';
import { siteFaults } from './site-faults.js';
import { uiProbes } from './ui-probes.js';

const SECTIONS: Record<string, (o: Options) => Promise<Section>> = {
  kill: killCycles,
  faults: siteFaults,
  plugins: badPlugins,
  configs: badConfigs,
  ui: uiProbes,
};

function parseArgs(argv: string[]): { quick: boolean; cycles: number | null; only: string[] } {
  let quick = false;
  let cycles: number | null = null;
  let only = Object.keys(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--cycles') {
      cycles = Number(argv[++i]);
      if (!Number.isInteger(cycles) || cycles < 1) throw new Error(`--cycles needs a positive whole number; got ${argv[i]}`);
    } else if (a === '--only') {
      only = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = only.filter((s) => !(s in SECTIONS));
      if (unknown.length || !only.length) throw new Error(`--only takes a comma list of ${Object.keys(SECTIONS).join(', ')}; got ${argv[i]}`);
    } else throw new Error(`unknown argument ${a} (use --quick, --cycles N, --only LIST)`);
  }
  return { quick, cycles, only };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const o: Options = {
    quick: args.quick,
    cycles: args.cycles ?? (args.quick ? 10 : 100),
    log: (l) => process.stderr.write(`[torture] ${l}\n`),
  };
  const started = new Date();
  const sections: Section[] = [];
  for (const name of args.only) {
    o.log(`--- ${name}`);
    const t0 = Date.now();
    sections.push(await SECTIONS[name]!(o));
    o.log(`--- ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, ${os.platform()} ${os.release()}, Node ${process.version}`;
  const header = `## Torture run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${o.quick ? ' (--quick)' : ''}\n\nMachine: ${machine}; load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`;
  process.stdout.write(report(sections, header));
  process.exitCode = sections.some((s) => s.failures.length) ? 1 : 0;
}

main().catch((e: unknown) => {
  process.stderr.write(`torture: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
