-- Invoices, added with `microforge add resource invoice`. Forward-only: to change
-- the table later, add a new migration after the last one; never edit this file once applied.
-- `version` is the optimistic-concurrency token exposed as the ETag; `deleted_at` marks a
-- tombstone (soft delete) that the tombstone purger removes after TOMBSTONE_RETENTION_HOURS.
create table "invoices" (
  id uuid primary key default gen_random_uuid(),
  "title" text not null check (char_length("title") <= 200),
  "body" text check (char_length("body") <= 100000),
  "count" integer not null,
  "price" numeric check ("price" not in ('NaN', 'Infinity', '-Infinity')),
  "paid" boolean not null,
  "due_at" timestamptz,
  "owner_id" uuid not null,
  version integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

create index "invoices_created_at_id_idx" on "invoices" (created_at, id);
create index "invoices_deleted_at_idx" on "invoices" (deleted_at) where deleted_at is not null;

-- Every committed change sends the row's id on 'invoices_changes' (TRUNCATE: '*').
-- A read cache listens to it to drop its copies on every replica; without a cache nobody
-- listens and a NOTIFY costs next to nothing, so adding a cache later needs no migration.
create function "invoices_notify_change"() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('invoices_changes', '*');
  elsif tg_op = 'DELETE' then
    perform pg_notify('invoices_changes', old.id::text);
  else
    perform pg_notify('invoices_changes', new.id::text);
  end if;
  return null;
end;
$$;

create trigger "invoices_notify_change"
  after insert or update or delete on "invoices"
  for each row execute function "invoices_notify_change"();

create trigger "invoices_notify_truncate"
  after truncate on "invoices"
  for each statement execute function "invoices_notify_change"();
