-- ShipmentLines, added with `microforge add resource shipment-line`. Forward-only: to change
-- the table later, add a new migration after the last one; never edit this file once applied.
-- `version` is the optimistic-concurrency token exposed as the ETag; `deleted_at` marks a
-- tombstone (soft delete) that the tombstone purger removes after TOMBSTONE_RETENTION_HOURS.
create table "shipment_lines" (
  id uuid primary key default gen_random_uuid(),
  "label" text check (char_length("label") <= 200),
  "notes" text not null check (char_length("notes") <= 100000),
  "quantity" integer,
  "weight" numeric not null check ("weight" not in ('NaN', 'Infinity', '-Infinity')),
  "done" boolean,
  "shipped_at" timestamptz not null,
  "ref" uuid,
  version integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

create index "shipment_lines_created_at_id_idx" on "shipment_lines" (created_at, id);
create index "shipment_lines_deleted_at_idx" on "shipment_lines" (deleted_at) where deleted_at is not null;

-- Every committed change sends the row's id on 'shipment_lines_changes' (TRUNCATE: '*').
-- A read cache listens to it to drop its copies on every replica; without a cache nobody
-- listens and a NOTIFY costs next to nothing, so adding a cache later needs no migration.
create function "shipment_lines_notify_change"() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('shipment_lines_changes', '*');
  elsif tg_op = 'DELETE' then
    perform pg_notify('shipment_lines_changes', old.id::text);
  else
    perform pg_notify('shipment_lines_changes', new.id::text);
  end if;
  return null;
end;
$$;

create trigger "shipment_lines_notify_change"
  after insert or update or delete on "shipment_lines"
  for each row execute function "shipment_lines_notify_change"();

create trigger "shipment_lines_notify_truncate"
  after truncate on "shipment_lines"
  for each statement execute function "shipment_lines_notify_change"();
