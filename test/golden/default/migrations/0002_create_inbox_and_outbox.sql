-- Messaging: the inbox makes command handling idempotent (a command id is applied once, in the
-- same transaction as its effect); the outbox makes publishing reliable (an event, or a command
-- accepted over HTTP, is written in the same transaction as the change or status row it belongs
-- to, and a relay publishes it); command_status is what the 202 status URL reports.
create table inbox (
  message_id text primary key,
  received_at timestamptz not null default now()
);

create index inbox_received_at_idx on inbox (received_at);

create table outbox (
  id uuid primary key,
  -- 'event': published to the events exchange/stream under `topic`; 'command': sent to this
  -- service's own command queue, to be worked off by a consumer.
  kind text not null default 'event' check (kind in ('event', 'command')),
  topic text not null,
  type text not null,
  data jsonb not null,
  correlation_id text not null,
  created_at timestamptz not null default now()
);

create index outbox_created_at_id_idx on outbox (created_at, id);

create table command_status (
  id uuid primary key,
  type text not null,
  subject_id text not null,
  data jsonb not null default '{}',
  status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
  -- The version of the subject the client based the command on (its If-Match).
  expected_version integer,
  -- The subject's version after the command was applied.
  result_version integer,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index command_status_subject_idx on command_status (subject_id, created_at);
create index command_status_finished_idx on command_status (updated_at) where status <> 'pending';
