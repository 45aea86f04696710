/**
 * Dynamic settings: the ones operators change at run time (PUT /admin/settings), stored in the
 * service's own database and picked up by every replica within DYNAMIC_SETTINGS_REFRESH_MS.
 * This schema is the one typed view of them: each setting has a default, a value is validated
 * when it is written (400) and again when it is read (an invalid or unknown stored value is
 * ignored, with a log line, and the default applies). Static settings stay in src/config.ts.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** The largest page any list may return, whatever maxPageSize says. */
export const PAGE_SIZE_CEILING = 1000;

export const DynamicSettingsSchema = Type.Object(
  {
    /** GET /orders cuts a larger `limit` to this; the response's page.limit says what was used. */
    maxPageSize: Type.Integer({
      default: 100,
      minimum: 1,
      maximum: PAGE_SIZE_CEILING,
      errorMessage: `must be an integer between 1 and ${PAGE_SIZE_CEILING}`,
    }),
    /** false: every write answers 503 and queued commands are held unapplied, while reads go on (e.g. during a data repair). */
    writesEnabled: Type.Boolean({ default: true, errorMessage: 'must be true or false' }),
  },
  { additionalProperties: false },
);

export type DynamicSettings = Readonly<Static<typeof DynamicSettingsSchema>>;
export type SettingName = keyof DynamicSettings;

/** What is stored: the settings that differ from their defaults, by name. */
export type SettingOverrides = Partial<Record<SettingName, unknown>>;

const SETTING_NAMES = Object.keys(DynamicSettingsSchema.properties) as SettingName[];

const schemaOf = (name: SettingName): TSchema & { default: unknown; errorMessage: string } =>
  DynamicSettingsSchema.properties[name] as unknown as TSchema & { default: unknown; errorMessage: string };

export const DEFAULT_SETTINGS: DynamicSettings = Object.freeze(
  Object.fromEntries(SETTING_NAMES.map((name) => [name, schemaOf(name).default])) as Static<typeof DynamicSettingsSchema>,
);

const isSettingName = (name: string): name is SettingName => (SETTING_NAMES as string[]).includes(name);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Problems with overrides a client sent, one per setting (`maxPageSize must be ...`); empty when valid. */
export function overrideErrors(overrides: unknown): string[] {
  if (!isObject(overrides)) return ['the body must be a JSON object of setting names to values'];
  return Object.entries(overrides).flatMap(([name, value]) => {
    if (!isSettingName(name)) return [`${JSON.stringify(name)} is not a dynamic setting (known: ${SETTING_NAMES.join(', ')})`];
    return Value.Check(schemaOf(name), value) ? [] : [`${name} ${schemaOf(name).errorMessage}`];
  });
}

/**
 * The settings in effect for stored overrides: each valid override replaces its default; an
 * invalid one (written by hand, or by a release with another schema) or an unknown one is
 * skipped and named in `ignored`, so a bad row can never stop the service.
 */
export function settingsFromOverrides(overrides: unknown): { settings: DynamicSettings; ignored: string[] } {
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  if (!isObject(overrides)) return { settings: DEFAULT_SETTINGS, ignored: ['(not an object)'] };
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    if (isSettingName(name) && Value.Check(schemaOf(name), value)) settings[name] = value;
    else ignored.push(name);
  }
  return { settings: Object.freeze(settings) as DynamicSettings, ignored };
}
