-- Cache invalidation for every writer: the HTTP store, the message consumer's raw SQL, later
-- jobs and a person at psql alike. Each changed row sends its id on the
-- 'orders_changes' channel; PostgreSQL delivers a NOTIFY only when the
-- transaction commits (and drops it on rollback), so replicas drop their cached copy after the
-- committed write, never before it. TRUNCATE fires no row triggers: it sends '*' (drop all).
create function "orders_notify_change"() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('orders_changes', '*');
  elsif tg_op = 'DELETE' then
    perform pg_notify('orders_changes', old.id::text);
  else
    perform pg_notify('orders_changes', new.id::text);
  end if;
  return null;
end;
$$;

create trigger "orders_notify_change"
  after insert or update or delete on "orders"
  for each row execute function "orders_notify_change"();

create trigger "orders_notify_truncate"
  after truncate on "orders"
  for each statement execute function "orders_notify_change"();
