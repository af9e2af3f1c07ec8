// The I/O shell of settings.ts: holds the settings in effect and saves a change with the key
// directory before anyone is told of it (the command's response, stats, bridge/info). The
// store decides whether that is a disk (store.path) or memory (the demo).
import type { SettingsDocument } from "../directory/store.js";
import { silentLog, type LogPort } from "../log-port.js";
import { restoreSettings, setOverMqtt, type ConfiguredSettings, type EffectiveSettings, type SettingName, type Restored, type SettingsState, type SettingValues } from "./settings.js";

/** Where the settings are kept: KeyStore satisfies it. */
export interface SettingsStore {
  readonly path: string | null;
  saveSettings(settings: SettingsDocument): Promise<void>;
}

/** What the manager calls before it applies a setting. */
export interface SettingsSaver {
  save<K extends SettingName>(name: K, value: SettingValues[K]): Promise<void>;
}

export interface RuntimeSettingsOptions {
  configured: ConfiguredSettings;
  /** The settings document the store loaded. */
  loaded: SettingsDocument;
  store: SettingsStore;
  log?: LogPort;
}

export class RuntimeSettings implements SettingsSaver {
  private state: SettingsState;
  /** Saves one after another: each starts from the state the one before left. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly restored: Restored;
  private readonly log: LogPort;

  /** Decides at once (pure) what is in effect: the manager is built with it. */
  constructor(private readonly opts: RuntimeSettingsOptions) {
    this.log = opts.log ?? silentLog;
    this.restored = restoreSettings(opts.configured, opts.loaded);
    this.state = { effective: this.restored.effective, saved: this.restored.saved };
  }

  /** bridge/info.settings. */
  get effective(): EffectiveSettings {
    return this.state.effective;
  }

  /** Says what was restored; a saved value the configuration overrode is removed from the files too. */
  start(): void {
    for (const note of this.restored.notes) this.log.info({}, `settings: ${note}`);
    if (!this.restored.changed) return;
    const saved = this.restored.saved;
    void this.serially(() => this.opts.store.saveSettings(saved)).catch((err: unknown) => {
      // Not fatal: the configured value is in effect; the next start decides the same way.
      this.log.warn({ err: (err as Error).message }, "could not remove the settings the configuration overrode from the key store");
    });
  }

  /** Lets a save under way finish before the store stops. */
  async stop(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Resolves once `value` is durable and in effect here; rejects, changing nothing, if it could not be saved. */
  save<K extends SettingName>(name: K, value: SettingValues[K]): Promise<void> {
    return this.serially(async () => {
      const next = setOverMqtt(this.state, this.opts.configured, name, value);
      try {
        await this.opts.store.saveSettings(next.saved);
      } catch (err) {
        const where = this.opts.store.path ?? "memory";
        throw new Error(`${name} not changed (still ${JSON.stringify(this.state.effective[name].value)}): it could not be saved to ${where}: ${(err as Error).message}`);
      }
      this.state = next;
    });
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
