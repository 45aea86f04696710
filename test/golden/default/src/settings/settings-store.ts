/**
 * The dynamic_settings row (migrations/0004): the stored overrides and their version. A write
 * is conditional on the version the writer read, checked and incremented in one statement, so
 * of two concurrent changes exactly one applies and the other learns the current version.
 */
import type pg from 'pg';
import type { SettingOverrides } from './dynamic-settings.ts';

export interface StoredSettings {
  overrides: SettingOverrides;
  version: number;
  updatedAt: Date;
}

export type SettingsWriteResult = { kind: 'written'; stored: StoredSettings } | { kind: 'version_mismatch'; currentVersion: number };

interface Row {
  overrides: SettingOverrides;
  version: number;
  updated_at: Date;
}

const from = (row: Row): StoredSettings => ({ overrides: row.overrides, version: row.version, updatedAt: row.updated_at });

export class PgSettingsStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async read(): Promise<StoredSettings> {
    const { rows } = await this.#pool.query<Row>('select overrides, version, updated_at from dynamic_settings');
    if (rows[0] === undefined) throw new Error('the dynamic_settings row is missing: run the migrations');
    return from(rows[0]);
  }

  /** Replaces the overrides when the current version is one of `expectedVersions`. */
  async write(expectedVersions: readonly number[], overrides: SettingOverrides): Promise<SettingsWriteResult> {
    const { rows } = await this.#pool.query<Row>(
      `update dynamic_settings
          set overrides = $2::jsonb, version = version + 1, updated_at = now()
        where version = any($1::integer[])
        returning overrides, version, updated_at`,
      [expectedVersions, JSON.stringify(overrides)],
    );
    if (rows[0] !== undefined) return { kind: 'written', stored: from(rows[0]) };
    return { kind: 'version_mismatch', currentVersion: (await this.read()).version };
  }
}
