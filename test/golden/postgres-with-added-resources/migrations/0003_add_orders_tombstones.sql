-- Soft delete: DELETE sets deleted_at (and bumps version) instead of removing the row, so a late
-- update holding an old ETag finds a tombstone, never a gap it could fill. Reads treat a
-- tombstoned order as absent; the tombstone purger removes it for good after
-- TOMBSTONE_RETENTION_HOURS. Adding a nullable column without a default rewrites nothing.
alter table "orders" add column deleted_at timestamptz;

-- Only tombstones are indexed: the purger finds expired ones without scanning live rows. The
-- index starts empty, but building it reads the whole table once while writes to it wait
-- (seconds for millions of rows); plan this migration's rollout accordingly.
create index "orders_deleted_at_idx" on "orders" (deleted_at) where deleted_at is not null;
