/**
 * The dynamic settings as this replica currently sees them. `current()` is synchronous and
 * cheap (request handlers call it); a timer re-reads the stored row every `refreshMs`, so a
 * change made through any replica applies here within `refreshMs` plus one query, without a
 * restart. A failed refresh keeps the last values and logs once until it recovers; a change
 * made through this replica applies here at once.
 */
import type { Logger } from '../logger.ts';
import { DEFAULT_SETTINGS, settingsFromOverrides, type DynamicSettings, type SettingOverrides } from './dynamic-settings.ts';
import type { PgSettingsStore, SettingsWriteResult, StoredSettings } from './settings-store.ts';

/** What request handlers need: the settings in effect now. */
export interface SettingsView {
  current(): DynamicSettings;
}

/** The stored overrides, their version (the ETag) and the settings they result in. */
export interface SettingsSnapshot extends StoredSettings {
  settings: DynamicSettings;
}

/** What the admin API needs besides the view: read the stored state, change it conditionally. */
export interface SettingsAdministration extends SettingsView {
  /** Version of the stored settings `current()` comes from (0 before the first read). */
  readonly version: number;
  read(): Promise<SettingsSnapshot>;
  write(expectedVersions: readonly number[], overrides: SettingOverrides): Promise<SettingsWriteResult>;
}

export interface LiveSettingsOptions {
  store: Pick<PgSettingsStore, 'read' | 'write'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  refreshMs: number;
}

export class LiveSettings implements SettingsAdministration {
  readonly #options: LiveSettingsOptions;
  #settings: DynamicSettings = DEFAULT_SETTINGS;
  #version = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #failing = false;
  /** Reads are numbered as they start; an answer older than the one applied last is dropped. */
  #reads = 0;
  #appliedRead = 0;

  constructor(options: LiveSettingsOptions) {
    this.#options = options;
  }

  current(): DynamicSettings {
    return this.#settings;
  }

  /** The version of the stored row the current settings come from (0 before the first read). */
  get version(): number {
    return this.#version;
  }

  /** Reads the settings once (start-up fails if it cannot), then keeps them fresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.#schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
  }

  async refresh(): Promise<void> {
    await this.read();
  }

  async read(): Promise<SettingsSnapshot> {
    const read = ++this.#reads;
    const stored = await this.#options.store.read();
    this.#apply(stored, read);
    return { ...stored, settings: settingsFromOverrides(stored.overrides).settings };
  }

  async write(expectedVersions: readonly number[], overrides: SettingOverrides): Promise<SettingsWriteResult> {
    const read = ++this.#reads;
    const result = await this.#options.store.write(expectedVersions, overrides);
    if (result.kind === 'written') this.#apply(result.stored, read);
    return result;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#refreshing = this.refresh()
        .then(() => {
          if (this.#failing) this.#options.logger.info('dynamic settings: refreshing works again');
          this.#failing = false;
        })
        .catch((error: unknown) => {
          if (!this.#failing) this.#options.logger.warn({ err: error }, 'dynamic settings: refresh failed; keeping the last values');
          this.#failing = true;
        })
        .finally(() => {
          this.#refreshing = undefined;
          if (this.#timer !== undefined) this.#schedule();
        });
    }, this.#options.refreshMs);
    // The timer alone never keeps the process alive; shutdown stops it anyway.
    this.#timer.unref();
  }

  #apply(stored: StoredSettings, read: number): void {
    if (read < this.#appliedRead) return;
    this.#appliedRead = read;
    // Any other version applies, a lower one too: after a database restore the restored row wins.
    if (stored.version === this.#version) return;
    const { settings, ignored } = settingsFromOverrides(stored.overrides);
    if (ignored.length > 0) {
      this.#options.logger.warn({ version: stored.version, ignored }, 'dynamic settings: invalid or unknown stored values ignored; their defaults apply');
    }
    this.#settings = settings;
    this.#version = stored.version;
    this.#options.logger.info({ version: stored.version, settings }, 'dynamic settings applied');
  }
}
