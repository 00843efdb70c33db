-- Dashboard and JSON API: campaign KPIs, live calls, leads (keyset pages), call detail, RGPD.

-- name: campaign_kpis
-- One grouped pass over each table (faster than per-campaign lateral scans on millions of calls).
WITH k AS (
    SELECT campaign_id,
           count(*) AS dialled,
           count(answered_at) AS answered,
           count(*) FILTER (WHERE amd_result = 'human') AS human,
           count(*) FILTER (WHERE amd_result = 'machine') AS machine,
           avg(extract(epoch FROM ended_at - answered_at))
               FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL) AS avg_duration_s
    FROM calls
    WHERE %(campaign_id)s::bigint IS NULL OR campaign_id = %(campaign_id)s
    GROUP BY campaign_id
), l AS (
    SELECT campaign_id,
           count(*) AS leads,
           count(*) FILTER (WHERE status = 'qualified') AS qualified,
           count(*) FILTER (WHERE status = 'do_not_call') AS dnc_requests
    FROM leads
    WHERE %(campaign_id)s::bigint IS NULL OR campaign_id = %(campaign_id)s
    GROUP BY campaign_id
), ct AS (
    SELECT campaign_id, count(*) AS contacts FROM contacts
    WHERE %(campaign_id)s::bigint IS NULL OR campaign_id = %(campaign_id)s
    GROUP BY campaign_id
)
SELECT c.id, c.name, c.status, c.status_reason, c.scenario,
       coalesce(ct.contacts, 0) AS contacts,
       coalesce(k.dialled, 0) AS dialled, coalesce(k.answered, 0) AS answered,
       coalesce(k.human, 0) AS human, coalesce(k.machine, 0) AS machine, k.avg_duration_s,
       coalesce(l.leads, 0) AS leads, coalesce(l.qualified, 0) AS qualified,
       coalesce(l.dnc_requests, 0) AS dnc_requests
FROM campaigns c
LEFT JOIN k ON k.campaign_id = c.id
LEFT JOIN l ON l.campaign_id = c.id
LEFT JOIN ct ON ct.campaign_id = c.id
WHERE %(campaign_id)s::bigint IS NULL OR c.id = %(campaign_id)s
ORDER BY c.id DESC;

-- name: calls_per_hour
-- Calls created per hour over the last %(hours)s hours (zero-filled), for one campaign.
WITH n AS (
    SELECT date_trunc('hour', created_at) AS hour, count(*) AS calls
    FROM calls
    WHERE campaign_id = %(campaign_id)s
      AND created_at >= date_trunc('hour', %(now)s::timestamptz) - make_interval(hours => %(hours)s - 1)
    GROUP BY 1
)
SELECT h.hour, coalesce(n.calls, 0) AS calls
FROM generate_series(date_trunc('hour', %(now)s::timestamptz) - make_interval(hours => %(hours)s - 1),
                     date_trunc('hour', %(now)s::timestamptz), interval '1 hour') AS h(hour)
LEFT JOIN n ON n.hour = h.hour
ORDER BY h.hour;

-- name: list_campaigns
SELECT id, name, status, scenario, max_concurrent_calls, calls_per_second, created_at, updated_at
FROM campaigns ORDER BY id DESC;

-- name: live_calls
SELECT c.id, c.campaign_id, cp.name AS campaign, c.status, c.current_step, c.originated_at, c.answered_at,
       c.amd_result, ct.phone
FROM calls c
JOIN campaigns cp ON cp.id = c.campaign_id
LEFT JOIN contacts ct ON ct.id = c.contact_id
WHERE c.status <> 'ended'
ORDER BY c.id;

-- name: live_turns_after
-- Start from the few live calls (never walk the whole turns table by id).
WITH live AS MATERIALIZED (SELECT id FROM calls WHERE status <> 'ended')
SELECT t.id, t.call_id, t.seq, t.speaker, t.step, t.text, t.intent
FROM live JOIN turns t ON t.call_id = live.id
WHERE t.id > %(after_id)s
ORDER BY t.id LIMIT 500;

-- name: leads_by_recent
SELECT l.id, l.call_id, l.contact_id, l.campaign_id, cp.name AS campaign, l.status, l.score, l.summary,
       l.sentiment, l.callback_at, l.created_at, l.reviewed_at, l.assigned_to, u.email AS assigned_email, l.objections,
       ct.phone, ct.first_name, ct.last_name
FROM leads l
JOIN campaigns cp ON cp.id = l.campaign_id
LEFT JOIN contacts ct ON ct.id = l.contact_id
LEFT JOIN users u ON u.id = l.assigned_to
WHERE (%(campaign_id)s::bigint IS NULL OR l.campaign_id = %(campaign_id)s)
  AND (%(status)s::text IS NULL OR l.status = %(status)s)
  AND (%(min_score)s::integer IS NULL OR l.score >= %(min_score)s)
  AND (%(since)s::timestamptz IS NULL OR l.created_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR l.created_at < %(until)s)
  AND (%(after_id)s::bigint IS NULL OR (l.created_at, l.id) < (%(after_created)s::timestamptz, %(after_id)s))
ORDER BY l.created_at DESC, l.id DESC
LIMIT %(limit)s;

-- name: leads_by_score
SELECT l.id, l.call_id, l.contact_id, l.campaign_id, cp.name AS campaign, l.status, l.score, l.summary,
       l.sentiment, l.callback_at, l.created_at, l.reviewed_at, l.assigned_to, u.email AS assigned_email, l.objections,
       ct.phone, ct.first_name, ct.last_name
FROM leads l
JOIN campaigns cp ON cp.id = l.campaign_id
LEFT JOIN contacts ct ON ct.id = l.contact_id
LEFT JOIN users u ON u.id = l.assigned_to
WHERE (%(campaign_id)s::bigint IS NULL OR l.campaign_id = %(campaign_id)s)
  AND (%(status)s::text IS NULL OR l.status = %(status)s)
  AND (%(min_score)s::integer IS NULL OR l.score >= %(min_score)s)
  AND (%(since)s::timestamptz IS NULL OR l.created_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR l.created_at < %(until)s)
  AND (%(after_id)s::bigint IS NULL OR (l.score, l.id) < (%(after_score)s::integer, %(after_id)s))
ORDER BY l.score DESC, l.id DESC
LIMIT %(limit)s;

-- name: mark_lead_reviewed
UPDATE leads SET reviewed_by = %(user_id)s, reviewed_at = now() WHERE id = %(lead_id)s RETURNING id;

-- name: assignable_user
SELECT id FROM users WHERE id = %(id)s AND NOT disabled AND role IN ('admin', 'supervisor');

-- name: assign_lead
UPDATE leads SET assigned_to = %(user_id)s WHERE id = %(lead_id)s RETURNING id;

-- name: list_calls
SELECT c.id, c.campaign_id, c.contact_id, c.attempt, c.status, c.current_step, c.outcome, c.amd_result,
       c.originated_at, c.answered_at, c.ended_at, c.created_at, ct.phone
FROM calls c LEFT JOIN contacts ct ON ct.id = c.contact_id
WHERE (%(campaign_id)s::bigint IS NULL OR c.campaign_id = %(campaign_id)s)
  AND (%(status)s::text IS NULL OR c.status = %(status)s)
  AND (%(before_id)s::bigint IS NULL OR c.id < %(before_id)s)
ORDER BY c.id DESC
LIMIT %(limit)s;

-- name: call_detail
SELECT c.id, c.campaign_id, cp.name AS campaign, cp.run_schedule->>'timezone' AS zone,
       c.contact_id, c.attempt, c.status, c.current_step,
       c.outcome, c.amd_result, c.amd_reason, c.hangup_cause, c.hangup_cause_text, c.recording_path,
       c.transfer_endpoint, c.transfer_result, c.queued_at, c.originated_at, c.answered_at, c.ended_at, c.created_at,
       ct.phone, ct.first_name, ct.last_name, ct.erased_at,
       l.id AS lead_id, l.status AS lead_status, l.score, l.summary, l.sentiment_timeline, l.objections
FROM calls c
JOIN campaigns cp ON cp.id = c.campaign_id
LEFT JOIN contacts ct ON ct.id = c.contact_id
LEFT JOIN leads l ON l.call_id = c.id
WHERE c.id = %(call_id)s;

-- name: call_turns
SELECT id, seq, speaker, step, text, intent, confidence, sentiment, start_ms, end_ms, asr_latency_ms,
       response_latency_ms, barge_in, interrupted_at_ms, objection
FROM turns WHERE call_id = %(call_id)s ORDER BY seq;

-- name: contact_attempts
SELECT id, attempt, status, outcome, amd_result, created_at, ended_at
FROM calls WHERE contact_id = %(contact_id)s ORDER BY created_at, id;

-- name: stats
SELECT (SELECT count(*) FROM campaigns WHERE status = 'running') AS running_campaigns,
       (SELECT count(*) FROM calls WHERE status <> 'ended') AS live_calls,
       (SELECT count(*) FROM calls WHERE created_at >= %(since)s) AS calls_since,
       (SELECT count(*) FROM leads WHERE created_at >= %(since)s) AS leads_since,
       (SELECT count(*) FROM leads WHERE created_at >= %(since)s AND status = 'qualified') AS qualified_since;

-- name: contact_recordings
SELECT recording_path FROM calls WHERE contact_id = %(contact_id)s AND recording_path IS NOT NULL;

-- name: erase_contact_turns
UPDATE turns SET text = '' WHERE call_id IN (SELECT id FROM calls WHERE contact_id = %(contact_id)s);

-- name: erase_contact_calls
UPDATE calls SET recording_path = NULL WHERE contact_id = %(contact_id)s;

-- name: erase_contact_queue
-- Nothing of an erased contact is dialled again: every queue row not leased is cancelled (a call
-- in progress ends normally; the claim never returns an erased contact).
UPDATE call_queue SET status = 'cancelled', wait_reason = 'contact erased (RGPD)', updated_at = now()
WHERE contact_id = %(contact_id)s AND status = 'pending';

-- name: erase_contact_leads
UPDATE leads SET answers = '{}'::jsonb, summary = '', rationale = '' WHERE contact_id = %(contact_id)s;

-- name: erase_contact
UPDATE contacts
SET phone = 'erased-' || id, first_name = '', last_name = '', extra = '{}'::jsonb, consent = '',
    erased_at = now()
WHERE id = %(contact_id)s AND erased_at IS NULL
RETURNING id, campaign_id;

-- name: insert_audit
INSERT INTO audit_log (actor, action, target, details) VALUES (%(actor)s, %(action)s, %(target)s, %(details)s);

-- name: expired_recordings
SELECT id, recording_path FROM calls
WHERE recording_path IS NOT NULL AND ended_at < %(cutoff)s;

-- name: purge_expired_recordings
UPDATE calls SET recording_path = NULL WHERE recording_path IS NOT NULL AND ended_at < %(cutoff)s;

-- name: purge_expired_turns
UPDATE turns SET text = ''
WHERE text <> '' AND call_id IN (SELECT id FROM calls WHERE ended_at < %(cutoff)s);

-- name: campaign_name
SELECT name FROM campaigns WHERE id = %(campaign_id)s;

-- ---------------------------------------------------------------- lead review

-- name: review_queue
-- Leads not reviewed yet, the most urgent first: qualified, call back due, failed transfer, the rest.
SELECT l.id, l.status, l.score, l.summary, l.callback_at, l.created_at, l.call_id, l.campaign_id,
       cp.name AS campaign, cp.run_schedule->>'timezone' AS zone, ct.phone, ct.first_name, ct.last_name, u.email AS assigned_email,
       c.transfer_endpoint, c.transfer_result,
       CASE WHEN l.status = 'qualified' THEN 1
            WHEN l.status = 'callback' AND l.callback_at <= %(now)s THEN 2
            WHEN c.transfer_endpoint IS NOT NULL AND coalesce(c.transfer_result, '') <> 'connected' THEN 3
            ELSE 4 END AS priority
FROM leads l
JOIN calls c ON c.id = l.call_id
JOIN campaigns cp ON cp.id = l.campaign_id
LEFT JOIN contacts ct ON ct.id = l.contact_id
LEFT JOIN users u ON u.id = l.assigned_to
WHERE l.reviewed_at IS NULL
  AND (%(campaign_id)s::bigint IS NULL OR l.campaign_id = %(campaign_id)s)
  AND (%(exclude_id)s::bigint IS NULL OR l.id <> %(exclude_id)s)
ORDER BY priority, l.score DESC, l.created_at DESC, l.id DESC
LIMIT %(limit)s;

-- name: lead_detail
SELECT l.id, l.status, l.score, l.answers, l.summary, l.rationale, l.sentiment, l.callback_at, l.created_at,
       l.reviewed_at, l.review_decision, l.review_reason, l.review_note, l.assigned_to, l.call_id,
       l.contact_id, l.campaign_id, cp.name AS campaign, cp.run_schedule->>'timezone' AS zone,
       ct.phone, ct.first_name, ct.last_name, ct.erased_at,
       c.recording_path, c.outcome, c.amd_result, c.amd_reason, c.transfer_endpoint, c.transfer_result,
       c.answered_at, c.ended_at,
       u.email AS assigned_email, r.email AS reviewed_email
FROM leads l
JOIN calls c ON c.id = l.call_id
JOIN campaigns cp ON cp.id = l.campaign_id
LEFT JOIN contacts ct ON ct.id = l.contact_id
LEFT JOIN users u ON u.id = l.assigned_to
LEFT JOIN users r ON r.id = l.reviewed_by
WHERE l.id = %(lead_id)s;

-- name: decide_lead
UPDATE leads SET review_decision = %(decision)s, review_reason = %(reason)s, reviewed_by = %(user_id)s,
                 reviewed_at = %(now)s
WHERE id = %(lead_id)s RETURNING id;

-- name: note_lead
UPDATE leads SET review_note = %(note)s WHERE id = %(lead_id)s RETURNING id;

-- name: schedule_lead_callback
UPDATE leads SET callback_at = %(callback_at)s, status = 'callback' WHERE id = %(lead_id)s RETURNING id;

-- name: lead_opposed
UPDATE leads SET status = 'do_not_call' WHERE id = %(lead_id)s RETURNING id;

-- ---------------------------------------------------------------- calls list and campaign page

-- name: calls_page
SELECT c.id, c.campaign_id, cp.name AS campaign, cp.run_schedule->>'timezone' AS zone,
       c.attempt, c.status, c.outcome, c.amd_result, c.created_at,
       c.answered_at, c.ended_at, c.recording_path IS NOT NULL AS has_recording, c.transfer_result,
       extract(epoch FROM c.ended_at - c.answered_at) AS duration_s,
       ct.phone, ct.first_name, ct.last_name, l.id AS lead_id, l.status AS lead_status
FROM calls c
JOIN campaigns cp ON cp.id = c.campaign_id
LEFT JOIN contacts ct ON ct.id = c.contact_id
LEFT JOIN leads l ON l.call_id = c.id
WHERE (%(campaign_id)s::bigint IS NULL OR c.campaign_id = %(campaign_id)s)
  AND (%(outcome)s::text IS NULL OR c.outcome = %(outcome)s)
  AND (%(amd)s::text IS NULL OR c.amd_result = %(amd)s)
  AND (%(since)s::timestamptz IS NULL OR c.created_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR c.created_at < %(until)s)
  AND (%(min_duration_s)s::integer IS NULL
       OR extract(epoch FROM c.ended_at - c.answered_at) >= %(min_duration_s)s)
  AND (NOT %(with_recording)s::boolean OR c.recording_path IS NOT NULL)
  AND (%(before_id)s::bigint IS NULL OR c.id < %(before_id)s)
ORDER BY c.id DESC
LIMIT %(limit)s;

-- name: campaign_detail
SELECT id, name, status, status_reason, scenario, compliance_profile, b2b, amd_mode, record_calls,
       max_concurrent_calls, calls_per_second, ring_timeout_s, starts_at, ends_at, run_schedule,
       schedule_open, schedule_reason, created_at, updated_at
FROM campaigns WHERE id = %(campaign_id)s;

-- name: campaign_outcomes
SELECT coalesce(outcome, status) AS outcome, count(*) AS calls
FROM calls WHERE campaign_id = %(campaign_id)s
GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: campaign_progress
SELECT count(*) AS contacts,
       count(*) FILTER (WHERE q.status IN ('pending', 'leased')) AS waiting,
       count(*) FILTER (WHERE q.status = 'done') AS done
FROM contacts ct LEFT JOIN call_queue q ON q.contact_id = ct.id AND q.campaign_id = ct.campaign_id
WHERE ct.campaign_id = %(campaign_id)s;

-- name: qualified_by_hour
-- Answered calls and qualified leads by hour of day (in the given zone) for one campaign.
SELECT extract(hour FROM c.created_at AT TIME ZONE %(zone)s)::int AS hour,
       count(c.answered_at) AS answered,
       count(l.id) FILTER (WHERE l.status = 'qualified') AS qualified
FROM calls c LEFT JOIN leads l ON l.call_id = c.id
WHERE c.campaign_id = %(campaign_id)s
GROUP BY 1 ORDER BY 1;

-- name: campaign_amd
SELECT amd_result AS verdict, count(*) AS calls
FROM calls WHERE campaign_id = %(campaign_id)s AND amd_result IS NOT NULL
GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: campaign_days
-- The last %(days)s days (in the given zone, zero-filled): answered calls, qualified leads, average talk time.
WITH d AS (
    SELECT (c.created_at AT TIME ZONE %(zone)s)::date AS day,
           count(c.answered_at) AS answered,
           count(l.id) FILTER (WHERE l.status = 'qualified') AS qualified,
           avg(extract(epoch FROM c.ended_at - c.answered_at))
               FILTER (WHERE c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL) AS avg_talk_s
    FROM calls c LEFT JOIN leads l ON l.call_id = c.id
    WHERE c.campaign_id = %(campaign_id)s
      AND c.created_at >= (%(today)s::date - (%(days)s - 1)) AT TIME ZONE %(zone)s
    GROUP BY 1
)
SELECT g.day::date AS day, coalesce(d.answered, 0) AS answered, coalesce(d.qualified, 0) AS qualified, d.avg_talk_s
FROM generate_series(%(today)s::date - (%(days)s - 1), %(today)s::date, interval '1 day') AS g(day)
LEFT JOIN d ON d.day = g.day::date
ORDER BY 1;
