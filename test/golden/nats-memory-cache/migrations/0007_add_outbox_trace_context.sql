-- Tracing across the outbox: each row keeps the W3C trace context (traceparent, tracestate) of
-- the transaction that wrote it, and the relay publishes the message as part of that trace.
-- Null for rows written without tracing, and for rows older than this migration.
alter table outbox add column trace_context jsonb;

-- The trace replaces the custom correlation id, which is no longer written. Only relaxed here,
-- so replicas still running the previous release can insert during a rolling update; drop the
-- column in a later migration, once no such replica is left.
alter table outbox alter column correlation_id drop not null;
