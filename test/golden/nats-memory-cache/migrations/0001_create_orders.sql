-- Orders: the example resource. `version` is the optimistic-concurrency token
-- exposed as the ETag; every update increments it in the same statement that checks it.
create table "orders" (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  quantity integer not null check (quantity >= 0),
  version integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index "orders_created_at_id_idx" on "orders" (created_at, id);
