// Lays out a stand-in Linux Electron distribution for electron-builder's `electronDist`, so
// `npm run package:check` packs without downloading Electron (none can be had here or in CI).
// The executable is a shell script that refuses to run; it carries a fuse wire laid out as
// @electron/fuses 1.x reads and writes it (node_modules/@electron/fuses/dist/constants.js,
// index.js): SENTINEL, then a version byte (1), a length byte, then one byte per fuse,
// '0' (48) off or '1' (49) on. electron-builder flips that wire, and the check reads it back.
import { Buffer } from 'node:buffer';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SENTINEL, FuseState } = require('@electron/fuses/dist/constants.js');

/**
 * Electron's own defaults for the eight V1 fuses, in wire order (RunAsNode,
 * EnableCookieEncryption, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments,
 * EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar,
 * LoadBrowserProcessSpecificV8Snapshot, GrantFileProtocolExtraPrivileges): a fuse the
 * config forgets keeps Electron's default, as it would on the real binary.
 */
const ELECTRON_DEFAULT_WIRE = [1, 0, 1, 1, 0, 0, 0, 1].map((on) => (on ? FuseState.ENABLE : FuseState.DISABLE));

/** electron-builder renames this file to the app's executable name (ElectronFramework, Linux). */
const STAND_IN_EXECUTABLE = 'electron';

/** Writes the stand-in distribution into `dir` (created). */
export async function layOutStandInElectron(dir, electronVersion) {
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  await mkdir(path.join(dir, 'locales'), { recursive: true });
  const script = Buffer.from(
    '#!/bin/sh\n' +
      `echo "stand-in for Electron ${electronVersion}, made by scripts/package-check.mjs: this package was built to be inspected, not run" >&2\n` +
      'exit 1\n' +
      '# fuse wire: ',
  );
  const wire = Buffer.from([...Buffer.from(SENTINEL, 'latin1'), 1, ELECTRON_DEFAULT_WIRE.length, ...ELECTRON_DEFAULT_WIRE, 0x0a]);
  const exe = path.join(dir, STAND_IN_EXECUTABLE);
  await writeFile(exe, Buffer.concat([script, wire]));
  await chmod(exe, 0o755);
  await writeFile(path.join(dir, 'version'), `${electronVersion}\n`);
  await writeFile(path.join(dir, 'LICENSE'), 'Stand-in Electron distribution (no Electron code).\n');
  await writeFile(path.join(dir, 'locales', 'en-US.pak'), '');
  return exe;
}
