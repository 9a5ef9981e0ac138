// The Electron fuses docs/desktop.md promises, and the check that the packed executable
// carries them (read back with @electron/fuses, the library electron-builder flips them with).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses');
const { FuseState } = require('@electron/fuses/dist/constants.js');

/** docs/desktop.md, "Security decisions" → Fuses. Changing one here means changing the docs. */
const PROMISED_FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
};

const STATE_NAMES = { [FuseState.ENABLE]: 'on', [FuseState.DISABLE]: 'off', [FuseState.REMOVED]: 'removed' };

/** Reads the wire of `executable`; returns { fuses: {name: 'on'|'off'|...}, problems }. */
export async function checkFuses(executable) {
  const wire = await getCurrentFuseWire(executable);
  const fuses = {};
  const problems = [];
  for (const [name, want] of Object.entries(PROMISED_FUSES)) {
    const state = wire[FuseV1Options[name]];
    const got = STATE_NAMES[state] ?? `unknown (${state})`;
    fuses[name] = got;
    if (got !== (want ? 'on' : 'off')) {
      problems.push(
        `fuse ${name} is ${got} in the packed executable, docs/desktop.md promises ${want ? 'on' : 'off'} (electron-builder.yml electronFuses)`,
      );
    }
  }
  return { fuses, problems };
}
