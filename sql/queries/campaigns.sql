-- Campaigns: CRUD, status changes and reports.

-- name: create
INSERT INTO campaigns (name, scenario, endpoint_template, caller_id, max_concurrent_calls, calls_per_second,
                       ring_timeout_s, retry_policy, compliance_profile, b2b, amd_mode, record_calls, priority,
                       amd_bias)
VALUES (%(name)s, %(scenario)s, %(endpoint_template)s, %(caller_id)s, %(max_concurrent_calls)s,
        %(calls_per_second)s, %(ring_timeout_s)s, %(retry_policy)s, %(compliance_profile)s, %(b2b)s,
        %(amd_mode)s, %(record_calls)s, %(priority)s, %(amd_bias)s)
RETURNING *;

-- name: get_by_name
SELECT * FROM campaigns WHERE name = %(name)s;

-- name: get_by_id
SELECT * FROM campaigns WHERE id = %(id)s;

-- name: list
SELECT c.*,
       (SELECT count(*) FROM contacts k WHERE k.campaign_id = c.id) AS contacts,
       (SELECT count(*) FROM call_queue q WHERE q.campaign_id = c.id AND q.status = 'pending') AS pending
FROM campaigns c
ORDER BY c.priority DESC, c.name;

-- name: set_status
UPDATE campaigns SET status = %(status)s, status_reason = NULL, updated_at = %(now)s WHERE id = %(id)s
RETURNING *;

-- name: delete
DELETE FROM campaigns WHERE id = %(id)s;

-- name: missing_consent
SELECT count(*) AS missing, (SELECT count(*) FROM contacts WHERE campaign_id = %(id)s) AS total
FROM contacts WHERE campaign_id = %(id)s AND btrim(consent) = '' AND erased_at IS NULL;

-- name: queue_counts
SELECT status, count(*) AS n FROM call_queue WHERE campaign_id = %(id)s GROUP BY status ORDER BY status;

-- name: outcome_counts
SELECT COALESCE(outcome, '(in progress)') AS outcome, count(*) AS n
FROM calls WHERE campaign_id = %(id)s GROUP BY 1 ORDER BY 2 DESC;

-- name: requeue_cancelled
-- Starting a stopped campaign again: the calls its stop cancelled go back to the queue (a retry
-- delay still running is kept).
UPDATE call_queue
SET status = 'pending', wait_reason = NULL, not_before = GREATEST(not_before, %(now)s), updated_at = %(now)s
WHERE campaign_id = %(campaign_id)s AND status = 'cancelled' AND wait_reason = 'campaign stopped';

-- name: update_settings
UPDATE campaigns
SET scenario = %(scenario)s, endpoint_template = %(endpoint_template)s, caller_id = %(caller_id)s,
    max_concurrent_calls = %(max_concurrent_calls)s, calls_per_second = %(calls_per_second)s,
    ring_timeout_s = %(ring_timeout_s)s, retry_policy = %(retry_policy)s,
    compliance_profile = %(compliance_profile)s, b2b = %(b2b)s, amd_mode = %(amd_mode)s,
    amd_bias = %(amd_bias)s, record_calls = %(record_calls)s, priority = %(priority)s, updated_at = now()
WHERE id = %(id)s
RETURNING *;

-- name: audit
INSERT INTO audit_log (actor, action, target, details) VALUES (%(actor)s, %(action)s, %(target)s, %(details)s);
