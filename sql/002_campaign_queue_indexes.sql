-- Per-campaign claim order (claim walks pending rows of each running campaign) and
-- per-contact attempt history (compliance: attempts in the last 30 days).
CREATE INDEX call_queue_campaign_ready_idx
    ON call_queue (campaign_id, priority DESC, not_before, id) WHERE status = 'pending';
CREATE INDEX calls_contact_created_idx ON calls (contact_id, created_at);
