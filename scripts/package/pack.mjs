// Packs the app for Linux with `--dir` through electron-builder's API, against the
// stand-in Electron distribution: nothing is downloaded (no Electron zip, and with
// npmRebuild off no native rebuild; the `dir` target needs no packaging tools).
import path from 'node:path';
import { build, Platform } from 'electron-builder';

/**
 * `config` is the electron-builder.yml to extend; the overrides only make the pack work
 * without Electron and put the output in `outDir`. Returns linux-unpacked's path.
 */
export async function packLinuxDir({ projectDir, config, electronDist, electronVersion, outDir }) {
  await build({
    projectDir,
    targets: Platform.LINUX.createTarget(['dir']),
    publish: 'never',
    config: {
      extends: config,
      electronDist,
      electronVersion,
      npmRebuild: false,
      directories: { output: outDir },
    },
  });
  return path.join(outDir, 'linux-unpacked');
}
