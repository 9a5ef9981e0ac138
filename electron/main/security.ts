// The Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security, whose numbering "§n" follows) as code: the window's
// webPreferences, navigation / new-window / permission handlers, the shell.openExternal
// allow-list, and the IPC sender check. Pure functions over the Electron objects they are
// handed, so the tests can drive them with a mocked `electron`.

import type { IpcMainInvokeEvent, Session, WebContents, WebPreferences } from 'electron';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './protocol.js';

/** The main window's webPreferences: every item of the checklist that applies. */
export function secureWebPreferences(preload: string, opts: { devTools?: boolean } = {}): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: opts.devTools ?? true,
  };
}

/** Hosts that links in the UI may open in the user's browser (https only), besides the configured site. */
export const EXTERNAL_HOSTS: readonly string[] = ['developers.shotgridsoftware.com'];

/**
 * Whether `raw` may be handed to shell.openExternal: https on an allow-listed host, or the
 * configured ShotGrid site's own origin. Parsed with URL, never compared as a string prefix.
 */
export function isAllowedExternalUrl(raw: string, site: string | null): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:' && EXTERNAL_HOSTS.includes(url.hostname.toLowerCase())) return true;
  if (site) {
    try {
      const s = new URL(site);
      if ((s.protocol === 'https:' || s.protocol === 'http:') && url.origin === s.origin) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/** Whether a URL belongs to the app's own renderer origin (app://renderer). */
export function isAppUrl(raw: string | undefined | null): boolean {
  if (!raw) return false;
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * The IPC sender check (checklist §17): the message must come from the main window's
 * webContents, from its top frame, and that frame must show the app's own origin.
 * Returns the reason when it does not.
 */
export function untrustedSenderReason(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, trusted: WebContents | null): string | null {
  if (!trusted || trusted.isDestroyed()) return 'no app window';
  if (event.sender !== trusted) return 'not the app window';
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.parent) return 'a sub-frame';
  if (!isAppUrl(frame.url)) return `a frame showing ${JSON.stringify(frame.url)}`;
  return null;
}

export interface WebContentsGuardOptions {
  /** Opens an allow-listed URL in the user's browser (shell.openExternal). */
  openExternal: (url: string) => void;
  /** The configured site, whose pages may be opened externally. */
  site: () => string | null;
  log?: (message: string) => void;
}

/**
 * Navigation and new windows (checklist §13, §14, §15): the window never leaves the app's
 * origin; window.open / target=_blank never opens an Electron window; http(s) links on the
 * allow-list go to the user's browser; <webview> cannot be attached.
 */
export function guardWebContents(wc: WebContents, o: WebContentsGuardOptions): void {
  const external = (url: string) => {
    if (isAllowedExternalUrl(url, o.site())) o.openExternal(url);
    else o.log?.(`Blocked opening ${url}: not on the allow-list.`);
  };
  wc.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    external(url);
  });
  wc.on('will-redirect', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    external(url);
    return { action: 'deny' };
  });
}

/** Permissions the renderer may use, only from the app's origin; everything else is denied. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Session-wide defences (checklist §5, §7): permission request/check handlers deny by
 * default; every response carries the CSP header; the renderer session may not reach the
 * network (the engine talks to ShotGrid from the main process, not through this session).
 */
export function hardenSession(session: Session, log?: (message: string) => void): void {
  const allowed = (permission: string, origin: string | undefined) => ALLOWED_PERMISSIONS.has(permission) && isAppUrl(origin);
  session.setPermissionRequestHandler((wc, permission, callback, details) => {
    const ok = allowed(permission, details?.requestingUrl ?? wc?.getURL());
    if (!ok) log?.(`Denied permission request '${permission}'.`);
    callback(ok);
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin) => allowed(permission, requestingOrigin));
  session.setDevicePermissionHandler?.(() => false);
  session.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (details, callback) => {
    log?.(`Blocked a renderer request to ${details.url}.`);
    callback({ cancel: true });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}
