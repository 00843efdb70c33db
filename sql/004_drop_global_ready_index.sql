-- Claims walk the pending rows of each running campaign through call_queue_campaign_ready_idx
-- (sql/002). The global pending index duplicated it: the planner sometimes preferred it and then
-- filtered on campaign_id row by row, and every claim paid for maintaining it.
DROP INDEX IF EXISTS call_queue_ready_idx;
