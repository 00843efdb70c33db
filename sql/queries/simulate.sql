-- Queries of `minibot simulate call`: the live transcript and the result of its one call.

-- name: turns_after
SELECT t.id, t.speaker, t.text, t.step, t.intent, t.confidence, t.interrupted_at_ms
FROM turns t
JOIN calls c ON c.id = t.call_id
WHERE c.campaign_id = %(campaign_id)s AND t.id > %(after)s
ORDER BY t.id;

-- name: call_result
SELECT k.phone, c.outcome, c.hangup_cause, c.hangup_cause_text, c.amd_result, c.amd_reason,
       c.current_step, c.recording_path,
       round(extract(epoch FROM (c.ended_at - c.answered_at))::numeric, 1) AS talk_s
FROM calls c
JOIN contacts k ON k.id = c.contact_id
WHERE c.campaign_id = %(campaign_id)s
ORDER BY c.id DESC
LIMIT 1;

-- name: lead
SELECT status, score, answers, summary, sentiment, rationale, callback_at
FROM leads
WHERE campaign_id = %(campaign_id)s
ORDER BY id DESC
LIMIT 1;

-- name: queue_row
SELECT status, not_before, last_result, wait_reason
FROM call_queue
WHERE campaign_id = %(campaign_id)s;
