-- Call queue. Every statement takes the clock as %(now)s so tests can inject it.

-- name: enqueue
-- Queue every contact of the campaign that has no queue row yet (idempotent).
INSERT INTO call_queue (campaign_id, contact_id, attempt, status, not_before, updated_at)
SELECT k.campaign_id, k.id, 0, 'pending', %(now)s, %(now)s
FROM contacts k
WHERE k.campaign_id = %(campaign_id)s AND k.erased_at IS NULL
ON CONFLICT (campaign_id, contact_id) DO NOTHING;

-- name: claim_begin
-- Opens a claim's transaction, in one statement:
-- * the advisory lock serialises claimers for the instant of one claim, so each claim statement
--   sees the leased counts committed by the previous one (exact max_concurrent_calls);
-- * synchronous_commit off: the commit does not wait for its WAL flush, so the serialised
--   section stays short. Safe: the robot writes the call row (a synchronous commit, which
--   flushes all earlier WAL, this claim included) before it dials; a claim lost in a server
--   crash was never dialled;
-- * a generic plan: the claim's best plan does not depend on its parameters, and planning it
--   anew on every call cost more than running it (0.4 ms of 1 ms; see docs/campaigns.md).
SELECT set_config('synchronous_commit', 'off', true),
       set_config('plan_cache_mode', 'force_generic_plan', true),
       pg_advisory_xact_lock(727275);

-- name: claim
WITH running AS (
    -- leased rows counted up to the limit only, so the count costs O(max_concurrent_calls)
    SELECT c.id, c.priority,
           c.max_concurrent_calls - (
               SELECT count(*) FROM (
                   SELECT 1 FROM call_queue l
                   WHERE l.campaign_id = c.id AND l.status = 'leased'
                   LIMIT c.max_concurrent_calls
               ) leased
           ) AS free
    FROM campaigns c
    WHERE c.status = 'running' AND c.schedule_open
),
picked AS (
    SELECT q.id
    FROM (SELECT * FROM running WHERE free > 0) r
    CROSS JOIN LATERAL (
        SELECT p.id, p.priority, p.not_before
        FROM call_queue p
        WHERE p.campaign_id = r.id AND p.status = 'pending' AND p.not_before <= %(now)s
          -- never an erased contact (RGPD), whatever the state of its row
          AND NOT EXISTS (SELECT 1 FROM contacts e WHERE e.id = p.contact_id AND e.erased_at IS NOT NULL)
          -- never a row whose call a live robot still holds (a lease that ran out under a stalled
          -- robot): the robots heartbeat every few seconds, see sql/queries/robots.sql
          AND NOT EXISTS (SELECT 1 FROM calls x JOIN robots b ON b.id = x.robot_id
                          WHERE x.queue_id = p.id AND x.status <> 'ended'
                            AND b.last_seen > now() - interval '30 seconds')
        ORDER BY p.priority DESC, p.not_before, p.id
        LIMIT LEAST(r.free, %(n)s)
        FOR UPDATE SKIP LOCKED
    ) q
    ORDER BY r.priority + q.priority DESC, q.not_before, q.id
    LIMIT %(n)s
)
UPDATE call_queue q
SET status = 'leased', attempt = q.attempt + 1, lease_owner = %(owner)s,
    lease_expires = %(now)s + make_interval(secs => %(lease_seconds)s),
    wait_reason = NULL, updated_at = %(now)s
FROM picked, campaigns c, contacts k
WHERE q.id = picked.id AND c.id = q.campaign_id AND k.id = q.contact_id
RETURNING q.id AS queue_id, q.attempt, q.lease_owner, q.lease_expires,
          c.id AS campaign_id, c.name AS campaign_name, c.scenario, c.endpoint_template, c.caller_id,
          c.ring_timeout_s, c.amd_mode, c.amd_bias, c.record_calls, c.compliance_profile, c.b2b, c.calls_per_second,
          c.priority + q.priority AS effective_priority, q.not_before,
          k.id AS contact_id, k.phone, k.first_name, k.last_name, k.timezone, k.consent, k.extra,
          k.refused_at,
          EXISTS (SELECT 1 FROM dnc d WHERE d.phone = k.phone) AS in_dnc,
          ARRAY(SELECT x.created_at FROM calls x
                WHERE x.contact_id = k.id AND x.created_at > %(now)s - interval '30 days'
                ORDER BY x.created_at) AS recent_attempts;

-- name: lock_leased
-- The leased row of this owner, with its campaign retry policy, locked for completion.
SELECT q.attempt, c.retry_policy
FROM call_queue q JOIN campaigns c ON c.id = q.campaign_id
WHERE q.id = %(queue_id)s AND q.status = 'leased' AND q.lease_owner = %(owner)s
FOR UPDATE OF q;

-- name: finish
-- %(given_back)s is 1 when the row is closed without a dial (DNC, no consent): attempt counts dials.
UPDATE call_queue
SET status = %(status)s, attempt = GREATEST(attempt - %(given_back)s, 0), not_before = COALESCE(%(not_before)s, not_before), last_result = %(outcome)s,
    lease_owner = NULL, lease_expires = NULL, wait_reason = %(wait_reason)s, updated_at = %(now)s
WHERE id = %(queue_id)s;

-- name: reschedule
-- Back to pending without consuming the attempt (the dial did not happen).
UPDATE call_queue
SET status = 'pending', attempt = GREATEST(attempt - 1, 0), not_before = %(not_before)s,
    wait_reason = %(reason)s, lease_owner = NULL, lease_expires = NULL, updated_at = %(now)s
WHERE id = %(queue_id)s AND status = 'leased' AND lease_owner = %(owner)s
RETURNING id;

-- name: extend_lease
UPDATE call_queue
SET lease_expires = %(now)s + make_interval(secs => %(lease_seconds)s), updated_at = %(now)s
WHERE id = %(queue_id)s AND status = 'leased' AND lease_owner = %(owner)s
RETURNING lease_expires;

-- name: reap_expired
-- Expired leases go back to pending and give their attempt back (see docs/campaigns.md).
UPDATE call_queue
SET status = 'pending', attempt = GREATEST(attempt - 1, 0), lease_owner = NULL, lease_expires = NULL,
    last_result = 'lease_expired', wait_reason = 'lease expired', not_before = %(now)s, updated_at = %(now)s
WHERE id IN (
    SELECT q.id FROM call_queue q
    WHERE q.status = 'leased' AND q.lease_expires < %(now)s
      AND NOT EXISTS (SELECT 1 FROM calls x JOIN robots b ON b.id = x.robot_id
                      WHERE x.queue_id = q.id AND x.status <> 'ended'
                        AND b.last_seen > now() - interval '30 seconds')
    FOR UPDATE OF q SKIP LOCKED
)
RETURNING id;

-- name: cancel_pending
UPDATE call_queue SET status = 'cancelled', wait_reason = 'campaign stopped', updated_at = %(now)s
WHERE campaign_id = %(campaign_id)s AND status = 'pending';

-- name: preview
-- The next pending rows of a campaign in claim order, with the contact's compliance facts.
SELECT q.id AS queue_id, q.attempt, q.not_before, q.wait_reason, k.phone, k.timezone, k.consent,
       k.refused_at, c.b2b, c.compliance_profile,
       EXISTS (SELECT 1 FROM dnc d WHERE d.phone = k.phone) AS in_dnc,
       ARRAY(SELECT x.created_at FROM calls x
             WHERE x.contact_id = k.id AND x.created_at > %(now)s - interval '30 days'
             ORDER BY x.created_at) AS recent_attempts
FROM call_queue q
JOIN contacts k ON k.id = q.contact_id
JOIN campaigns c ON c.id = q.campaign_id
WHERE q.campaign_id = %(campaign_id)s AND q.status = 'pending'
ORDER BY q.priority DESC, q.not_before, q.id
LIMIT %(n)s;

-- name: pause_campaign
-- A robot pauses a running campaign that cannot be dialled (failed preflight), with the reason.
UPDATE campaigns SET status = 'paused', status_reason = %(reason)s, updated_at = %(now)s
WHERE id = %(campaign_id)s AND status = 'running'
RETURNING id;

-- name: reserve_dial_slot
-- The campaign's next dial slot, shared by every robot: slots are 1/cps apart with no burst
-- (the first dial after a pause goes at once). Returns the seconds to wait before dialling.
INSERT INTO campaign_pacing AS p (campaign_id, next_dial_at)
VALUES (%(campaign_id)s, clock_timestamp() + make_interval(secs => 1.0 / %(cps)s))
ON CONFLICT (campaign_id) DO UPDATE
SET next_dial_at = GREATEST(p.next_dial_at, clock_timestamp()) + make_interval(secs => 1.0 / %(cps)s)
RETURNING GREATEST(extract(epoch FROM p.next_dial_at - clock_timestamp()) - 1.0 / %(cps)s, 0)::float8
          AS wait_s;
