-- The outbox relay claims a batch (a short transaction that sets claimed_until), commits, then
-- publishes and deletes what the broker confirmed: no transaction stays open across a broker
-- round trip, so a stalled broker or a killed database session never holds locks or an
-- idle-in-transaction connection. A replica that dies after claiming leaves rows whose claim
-- expires: another replica publishes them again (at least once, same ids).
alter table outbox add column claimed_until timestamptz;

-- The relay also fails commands that stayed pending past their bound (src/messaging/outbox.ts,
-- PENDING_COMMAND_EXPIRY_MINUTES) every minute: this keeps that a small index scan.
create index command_status_pending_idx on command_status (created_at) where status = 'pending';
