-- No query looks contacts up by phone alone (the unique (campaign_id, phone) index serves imports
-- and DNC checks go to dnc.phone); the extra index only slowed bulk imports down.
DROP INDEX IF EXISTS contacts_phone_idx;

-- Every claim turns a pending row into a leased one, leaving a dead entry at the head of the
-- pending index that later claims must step over until VACUUM removes it. Vacuum the queue
-- after every few thousand changes instead of after 20% of the table.
ALTER TABLE call_queue SET (
    autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_cost_delay = 0
);
