-- Dashboard: leads filtered by campaign and sorted by date or score (keyset pages),
-- leads filtered by status alone, and turns of live calls read in order.
CREATE INDEX leads_campaign_created_idx ON leads (campaign_id, created_at DESC, id DESC);
CREATE INDEX leads_campaign_score_idx ON leads (campaign_id, score DESC, id DESC);
CREATE INDEX leads_status_created_idx ON leads (status, created_at DESC, id DESC);
CREATE INDEX calls_ended_at_idx ON calls (ended_at) WHERE recording_path IS NOT NULL;
