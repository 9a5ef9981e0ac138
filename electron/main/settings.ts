// The desktop app's settings (docs/desktop.md, "Settings"): kept by electron-store in the user-data
// folder, script keys (and an imported SMTP password) encrypted with Electron's
// `safeStorage` and stored as base64. Nothing secret ever leaves this module towards the
// renderer: `view()` says `hasScriptKey` only.
//
// electron-store 11 is used (ESM, Node >= 20, on `conf` 15): it runs inside Electron (Node
// 22) and under Node 20 in the tests, where `electron` is mocked and vitest inlines
// electron-store so the mock applies (vite.config.ts). electron-store 12 needs Node 22.
// The service only needs the small `SettingsBackend` interface, so the store stays
// swappable.

import path from 'node:path';
import Store from 'electron-store';
import { z } from 'zod';
import type { SafeStorage } from 'electron';
import type { CommandArgs, CommandResults, SettingsInput, SettingsView } from '../contract.js';
import { loadConfig, parseConfig, type EngineConfig } from '../engine/config.js';
import { Shotgun } from '../shotgun/client.js';

const smtpSchema = z.object({
  server: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  from: z.string().min(1),
  subject: z.string(),
  useTls: z.boolean(),
  username: z.string().nullable(),
  /** base64 of safeStorage.encryptString(password). */
  passwordEnc: z.string().nullable(),
});

/** What is on disk. Secrets only as `...Enc` (base64 of safeStorage ciphertext). */
export const storedSettingsSchema = z.object({
  site: z.string().nullable().catch(null),
  scriptName: z.string().nullable().catch(null),
  scriptKeyEnc: z.string().nullable().catch(null),
  proxyServer: z.string().nullable().catch(null),
  pluginPaths: z.array(z.string()).catch([]),
  fetchIntervalS: z.number().positive().catch(5),
  maxEventBatchSize: z.number().int().min(1).max(5000).catch(500),
  backlogTimeoutS: z.number().nonnegative().catch(300),
  emailTo: z.array(z.string()).catch([]),
  smtp: smtpSchema.nullable().catch(null),
  /** The shotgunEventDaemon.conf last imported, for the record. */
  importedFrom: z.string().nullable().catch(null),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export const DEFAULT_SETTINGS: StoredSettings = {
  site: null,
  scriptName: null,
  scriptKeyEnc: null,
  proxyServer: null,
  pluginPaths: [],
  fetchIntervalS: 5,
  maxEventBatchSize: 500,
  backlogTimeoutS: 300,
  emailTo: [],
  smtp: null,
  importedFrom: null,
};

/** The part of electron-store (conf) this module uses. */
export interface SettingsBackend {
  readonly store: Partial<StoredSettings>;
  set(values: Partial<StoredSettings>): void;
  readonly path: string;
}

/** The part of Electron's safeStorage this module uses. */
export type Secrets = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>;

/** Opens the electron-store file `settings.json` (in `cwd`, default the app's user-data folder). */
export function openSettingsStore(opts: { cwd?: string } = {}): SettingsBackend {
  return new Store<StoredSettings>({
    name: 'settings',
    defaults: DEFAULT_SETTINGS,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    clearInvalidConfig: true,
  });
}

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export interface SettingsServiceOptions {
  backend: SettingsBackend;
  secrets: Secrets;
  /** The app's data folder: state file and logs of the engine go there. */
  dataDir: string;
  /** How long testConnection waits for the site. */
  testTimeoutMs?: number;
}

export class SettingsService {
  private readonly backend: SettingsBackend;
  private readonly secrets: Secrets;
  readonly dataDir: string;
  private readonly testTimeoutMs: number;

  constructor(o: SettingsServiceOptions) {
    this.backend = o.backend;
    this.secrets = o.secrets;
    this.dataDir = o.dataDir;
    this.testTimeoutMs = o.testTimeoutMs ?? 20_000;
  }

  /** The stored settings, each bad or missing field replaced by its default. */
  read(): StoredSettings {
    return storedSettingsSchema.parse({ ...DEFAULT_SETTINGS, ...this.backend.store });
  }

  get site(): string | null {
    return this.read().site;
  }

  get storePath(): string {
    return this.backend.path;
  }

  /** As the renderer may see them: never a key or a password. */
  view(demo?: boolean): SettingsView {
    const s = this.read();
    return {
      source: 'app',
      editable: true,
      configPath: this.backend.path,
      site: s.site,
      scriptName: s.scriptName,
      hasScriptKey: s.scriptKeyEnc !== null,
      pluginPaths: s.pluginPaths,
      fetchIntervalS: s.fetchIntervalS,
      maxEventBatchSize: s.maxEventBatchSize,
      backlogTimeoutS: s.backlogTimeoutS,
      emailTo: s.emailTo,
      demo: demo ?? s.site === null,
    };
  }

  // ---------------------------------------------------------------- secrets

  private encrypt(what: string, plain: string): string {
    if (!this.secrets.isEncryptionAvailable()) {
      throw new SettingsError(`Cannot store the ${what}: the system keychain is not available to encrypt it (Electron safeStorage).`);
    }
    return this.secrets.encryptString(plain).toString('base64');
  }

  private decrypt(what: string, enc: string): string {
    try {
      return this.secrets.decryptString(Buffer.from(enc, 'base64'));
    } catch (e) {
      throw new SettingsError(`The stored ${what} cannot be decrypted (${(e as Error).message}); enter it again in Settings.`);
    }
  }

  /** The stored script key in clear, for the engine and testConnection only (main process). */
  scriptKey(): string | null {
    const enc = this.read().scriptKeyEnc;
    return enc === null ? null : this.decrypt('script key', enc);
  }

  // ---------------------------------------------------------------- commands

  /** saveSettings: validated by the contract already; checks what spans fields. */
  save(input: SettingsInput): SettingsView {
    const current = this.read();
    const site = input.site === null ? null : input.site.trim().replace(/\/+$/, '');
    if (site !== null) {
      const url = new URL(site);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new SettingsError(`site: expected an http(s) URL, got ${JSON.stringify(input.site)}`);
      if (!input.scriptName?.trim()) throw new SettingsError('scriptName: the script name is required when a site is set');
      if (!input.scriptKey && current.scriptKeyEnc === null)
        throw new SettingsError('scriptKey: a script key is required when a site is set (none is stored yet)');
    }
    const next: Partial<StoredSettings> = {
      site,
      scriptName: input.scriptName?.trim() || null,
      pluginPaths: input.pluginPaths.map((p) => path.resolve(p)),
      fetchIntervalS: input.fetchIntervalS,
      maxEventBatchSize: input.maxEventBatchSize,
      backlogTimeoutS: input.backlogTimeoutS,
      emailTo: input.emailTo,
    };
    if (input.scriptKey) next.scriptKeyEnc = this.encrypt('script key', input.scriptKey);
    this.backend.set(next);
    return this.view();
  }

  /** importConfig: reads a shotgunEventDaemon.conf (ConfigError messages name the key) into the store. */
  importFile(file: string): SettingsView {
    const c = loadConfig(file);
    const next: Partial<StoredSettings> = {
      site: c.shotgun?.server ?? null,
      scriptName: c.shotgun?.name ?? null,
      proxyServer: c.shotgun?.proxyServer ?? null,
      pluginPaths: c.plugins.paths,
      fetchIntervalS: c.daemon.fetchIntervalMs / 1000,
      maxEventBatchSize: c.daemon.maxEventBatchSize,
      backlogTimeoutS: Math.min(86_400, c.daemon.backlogTimeoutMs / 1000),
      emailTo: c.emails?.to ?? [],
      smtp: c.emails
        ? {
            server: c.emails.server,
            port: c.emails.port,
            from: c.emails.from,
            subject: c.emails.subject,
            useTls: c.emails.useTls,
            username: c.emails.username,
            passwordEnc: c.emails.password ? this.encrypt('SMTP password', c.emails.password) : null,
          }
        : null,
      importedFrom: c.path,
    };
    if (c.shotgun) next.scriptKeyEnc = this.encrypt('script key', c.shotgun.key);
    this.backend.set(next);
    return this.view();
  }

  /**
   * testConnection: the server's info (no auth), then an authenticated read of the newest
   * EventLogEntry with the given key, or the stored one. Never throws: ok + message.
   */
  async testConnection(args: CommandArgs<'testConnection'>): Promise<CommandResults['testConnection']> {
    let key = args.scriptKey ?? null;
    if (!key) {
      try {
        key = this.scriptKey();
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
    }
    if (!key) return { ok: false, message: 'No script key given and none stored.' };
    const proxy = this.read().proxyServer;
    let sg: Shotgun;
    try {
      sg = new Shotgun({
        server: args.site,
        credentials: { scriptName: args.scriptName, scriptKey: key },
        timeoutMs: this.testTimeoutMs,
        retry: { attempts: 1 },
        ...(proxy ? { proxy: /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}` } : {}),
        userAgent: 'shotgun-events desktop (test connection)',
      });
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    let serverVersion: string | undefined;
    try {
      const info = await sg.info();
      serverVersion = versionOf(info);
    } catch (e) {
      await sg.close().catch(() => {});
      return { ok: false, message: `Cannot reach ${args.site}: ${(e as Error).message}` };
    }
    try {
      const latest = await sg.findOne<{ id: number }>('EventLogEntry', [], ['id'], [{ field_name: 'id', direction: 'desc' }]);
      const head = latest ? `the newest event is #${latest.id}` : 'no events yet';
      const ver = serverVersion ? ` (ShotGrid ${serverVersion})` : '';
      return {
        ok: true,
        message: `Connected to ${args.site}${ver} as script '${args.scriptName}'; ${head}.`,
        ...(serverVersion ? { serverVersion } : {}),
      };
    } catch (e) {
      return {
        ok: false,
        message: `Reached ${args.site}, but reading events as script '${args.scriptName}' failed: ${(e as Error).message}`,
        ...(serverVersion ? { serverVersion } : {}),
      };
    } finally {
      await sg.close().catch(() => {});
    }
  }

  // ---------------------------------------------------------------- engine config

  /**
   * The engine config for a configured site, or null when there is none (demo mode: the
   * host starts the embedded sandbox). State and logs live in the app's data folder.
   */
  engineConfig(): EngineConfig | null {
    const s = this.read();
    if (!s.site) return null;
    if (!s.scriptName) throw new SettingsError('No script name is stored for the site; open Settings.');
    const key = this.scriptKey();
    if (!key) throw new SettingsError('No script key is stored for the site; open Settings.');
    const base = parseConfig('', { path: path.join(this.dataDir, 'shotgun-events.conf') });
    const logPath = path.join(this.dataDir, 'logs');
    const smtp = s.smtp;
    return {
      ...base,
      daemon: {
        ...base.daemon,
        logPath,
        logFile: path.join(logPath, 'shotgun-events.log'),
        fetchIntervalMs: Math.round(s.fetchIntervalS * 1000),
        maxEventBatchSize: s.maxEventBatchSize,
        backlogTimeoutMs: Math.round(s.backlogTimeoutS * 1000),
      },
      shotgun: {
        server: s.site,
        name: s.scriptName,
        key,
        proxyServer: s.proxyServer,
        useSessionUuid: true,
        apiVersion: 'v1.1',
      },
      plugins: { paths: s.pluginPaths },
      emails:
        smtp && s.emailTo.length > 0
          ? {
              server: smtp.server,
              port: smtp.port,
              from: smtp.from,
              to: s.emailTo,
              subject: smtp.subject,
              useTls: smtp.useTls,
              username: smtp.username,
              password: smtp.passwordEnc ? this.decrypt('SMTP password', smtp.passwordEnc) : null,
            }
          : null,
      warnings:
        s.emailTo.length > 0 && !smtp
          ? ['e-mail recipients are set but no SMTP server: import a shotgunEventDaemon.conf with an [emails] section']
          : [],
    };
  }
}

function versionOf(info: Record<string, unknown>): string | undefined {
  const v = info.shotgun_version_number ?? info.version ?? info.shotgun_version;
  if (Array.isArray(v)) return v.join('.');
  return typeof v === 'string' && v ? v : undefined;
}
