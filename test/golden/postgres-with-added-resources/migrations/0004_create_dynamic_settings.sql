-- Dynamic settings: values operators change at run time through PUT /admin/settings, without a
-- restart. One row holds the overrides as a JSON object; `version` is the ETag, incremented by
-- every change in the statement that checks it. Every replica re-reads the row on an interval
-- (DYNAMIC_SETTINGS_REFRESH_MS); src/settings/dynamic-settings.ts defines the settings and
-- their defaults, and a value that fails its schema falls back to the default.
create table dynamic_settings (
  id boolean primary key default true check (id),
  overrides jsonb not null default '{}'::jsonb check (jsonb_typeof(overrides) = 'object'),
  version integer not null default 1 check (version >= 1),
  updated_at timestamptz not null default now()
);

insert into dynamic_settings default values;
