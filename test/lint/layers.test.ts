// The layer rules of eslint.config.js (docs/architecture.md), through ESLint's own API: a
// file placed (virtually) in a folder may import only what its layer allows.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The probes are not in any tsconfig, so type-aware rules are off for them; the layer rules
// (no-restricted-imports) need no types.
const eslint = new ESLint({ overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], ...tseslint.configs.disableTypeChecked }] });

async function importErrors(filePath: string, source: string): Promise<string[]> {
  const [r] = await eslint.lintText(`${source}\nexport {};\n`, { filePath });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.fatal).map((m) => m.message);
}

describe('layer rules', () => {
  it("refuse `import 'electron'` outside electron/main and electron/preload", async () => {
    for (const f of [
      'electron/engine/probe.ts',
      'electron/shotgun/probe.ts',
      'electron/headless/probe.ts',
      'electron/cli/probe.ts',
      'renderer/src/probe.ts',
    ]) {
      expect(await importErrors(f, "import 'electron';"), f).toEqual([
        expect.stringMatching(/only electron\/main and electron\/preload import electron|only through the contract/),
      ]);
    }
    expect(await importErrors('electron/main/probe.ts', "import { app } from 'electron';\nvoid app;")).toEqual([]);
    expect(await importErrors('electron/preload/probe.ts', "import { contextBridge } from 'electron';\nvoid contextBridge;")).toEqual([]);
  });

  it('keep the engine, client and sandbox below the UI, the CLI and the desktop app', async () => {
    for (const [f, spec] of [
      ['electron/engine/probe.ts', '../main/host.js'],
      ['electron/engine/probe.ts', '../headless/server.js'],
      ['electron/shotgun/probe.ts', '../cli/run.js'],
      ['electron/sandbox/probe.ts', '../../renderer/src/store.js'],
      ['electron/engine/probe.ts', '../demo/prepare.js'],
    ] as const) {
      expect(await importErrors(f, `import '${spec}';`), `${f} → ${spec}`).toHaveLength(1);
    }
    expect(await importErrors('electron/engine/probe.ts', "import '../shotgun/client.js';\nimport '../contract.js';")).toEqual([]);
  });

  it('keep the desktop app off the CLI (the inversion electron/demo/prepare.ts fixed)', async () => {
    expect(await importErrors('electron/main/probe.ts', "import '../cli/run.js';")).toHaveLength(1);
    expect(await importErrors('electron/main/probe.ts', "import '../demo/prepare.js';")).toEqual([]);
  });

  it('let the renderer import only the contract and the retry policy from electron/', async () => {
    expect(await importErrors('renderer/src/probe.ts', "import '../../electron/engine/engine.js';")).toHaveLength(1);
    expect(await importErrors('renderer/src/views/probe.tsx', "import '../../../electron/shotgun/index.js';")).toHaveLength(1);
    expect(await importErrors('renderer/src/probe.ts', "import '../../electron/contract.js';\nimport '../../electron/retry.js';")).toEqual([]);
  });

  it('keep the files the renderer shares free of Node and of other modules', async () => {
    expect(await importErrors('electron/retry.ts', "import 'node:timers';")).toHaveLength(1);
    expect(await importErrors('electron/contract.ts', "import './shotgun/types.js';")).toHaveLength(1);
    expect(await importErrors('electron/contract.ts', "import { z } from 'zod';\nvoid z;")).toEqual([]);
  });
});
