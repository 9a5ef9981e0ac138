// Imports the packed main process's host module under Node with only `electron` replaced
// by an inert stand-in (a module-resolution hook), from a tree laid out as the packaged app
// is (resources/app.asar/ beside resources/app.asar.unpacked/). Loading it proves that
// its whole import graph links and evaluates; its EXAMPLE_PLUGINS says where the packaged
// app looks for the example plugins, which must be the unpacked copy.
// Runs as a child of package-check.mjs: node --import <hooks> probe-main.mjs <module>
import { pathToFileURL } from 'node:url';

/** Exports EXAMPLE_PLUGINS (electron/main/host.ts) and imports most of the main process. */
export const HOST_MODULE = 'dist/electron/main/host.js';

/** Electron's main-process modules: each is the same inert stand-in. */
const NAMES = [
  'app',
  'autoUpdater',
  'BaseWindow',
  'BrowserView',
  'BrowserWindow',
  'clipboard',
  'contentTracing',
  'contextBridge',
  'crashReporter',
  'desktopCapturer',
  'dialog',
  'globalShortcut',
  'inAppPurchase',
  'ipcMain',
  'ipcRenderer',
  'Menu',
  'MenuItem',
  'MessageChannelMain',
  'nativeImage',
  'nativeTheme',
  'net',
  'netLog',
  'Notification',
  'powerMonitor',
  'powerSaveBlocker',
  'protocol',
  'pushNotifications',
  'safeStorage',
  'screen',
  'session',
  'shell',
  'systemPreferences',
  'TouchBar',
  'Tray',
  'utilityProcess',
  'View',
  'webContents',
  'WebContentsView',
  'webFrame',
  'webFrameMain',
];

const STUB = [
  // Any property, call or construction gives the stand-in again; `then` is absent so it is never awaited forever.
  'const h = { get: (_t, p) => (p === "then" ? undefined : p === Symbol.toPrimitive ? () => "" : s), apply: () => s, construct: () => s };',
  'const s = new Proxy(function electron() {}, h);',
  'export default s;',
  `export const ${NAMES.map((n) => `${n} = s`).join(', ')};`,
].join('\n');

/** Module-resolution hook source: `electron` → the stand-in, everything else as Node resolves it. */
export const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(STUB)}`)}, shortCircuit: true };
  return next(specifier, context);
}
`;

/** Source for --import: registers HOOKS (given as a data: URL). */
export function registerSource(hooksUrl) {
  return `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooksUrl)});`)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mod = await import(pathToFileURL(process.argv[2]).href);
  process.stdout.write(JSON.stringify({ examplePlugins: mod.EXAMPLE_PLUGINS ?? null }));
  process.exit(0);
}
