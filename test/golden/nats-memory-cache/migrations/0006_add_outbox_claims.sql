-- The outbox relay claims a batch (a short transaction that sets claimed_until), commits, then
-- publishes and deletes what the broker confirmed: no transaction stays open across a broker
-- round trip, so a stalled broker or a killed database session never holds locks or an
-- idle-in-transaction connection. A replica that dies after claiming leaves rows whose claim
-- expires: another replica publishes them again (at least once, same ids).
alter table outbox add column claimed_until timestamptz;
