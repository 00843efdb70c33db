-- Calls, turns and leads written by the robot while it dials and talks.

-- name: insert_call
INSERT INTO calls (queue_id, campaign_id, contact_id, attempt, channel_id, robot_id, status, queued_at, originated_at)
VALUES (%(queue_id)s, %(campaign_id)s, %(contact_id)s, %(attempt)s, %(channel_id)s, %(robot_id)s, 'originating',
        %(queued_at)s, %(originated_at)s)
ON CONFLICT (channel_id) DO UPDATE SET robot_id = EXCLUDED.robot_id
RETURNING id;

-- name: mark_ringing
UPDATE calls SET status = 'ringing' WHERE id = %(call_id)s AND status = 'originating';

-- name: mark_answered
UPDATE calls SET status = 'answered', answered_at = %(at)s WHERE id = %(call_id)s AND answered_at IS NULL;

-- name: set_step
UPDATE calls SET current_step = %(step)s WHERE id = %(call_id)s;

-- name: set_amd
UPDATE calls SET amd_result = %(result)s, amd_reason = %(reason)s WHERE id = %(call_id)s;

-- name: set_recording
UPDATE calls SET recording_path = %(path)s WHERE id = %(call_id)s;

-- name: set_transfer
UPDATE calls SET transfer_endpoint = %(endpoint)s, transfer_result = %(result)s WHERE id = %(call_id)s;

-- name: end_call
UPDATE calls
SET status = 'ended', ended_at = %(at)s, hangup_cause = %(cause)s, hangup_cause_text = %(cause_text)s,
    outcome = %(outcome)s
WHERE id = %(call_id)s AND status <> 'ended'
RETURNING id;

-- name: forget_call
-- An originate Asterisk refused for a reason of its own (outage, shutdown): the attempt did not
-- happen, its call row goes with it (call_queue.attempt = number of call rows).
DELETE FROM calls WHERE id = %(call_id)s AND status = 'originating';

-- name: unfinished_calls_of_robot
SELECT c.id, c.queue_id, c.channel_id, c.campaign_id, c.answered_at, q.lease_owner, q.status AS queue_status
FROM calls c
LEFT JOIN call_queue q ON q.id = c.queue_id
WHERE c.robot_id = %(robot_id)s AND c.status <> 'ended';

-- name: insert_turn
-- A turn written again after a lost connection (its first commit got through) is kept once.
INSERT INTO turns (call_id, seq, speaker, step, text, intent, confidence, sentiment, start_ms, end_ms,
                   asr_latency_ms, response_latency_ms, barge_in, interrupted_at_ms, nlu_source, objection)
VALUES (%(call_id)s, %(seq)s, %(speaker)s, %(step)s, %(text)s, %(intent)s, %(confidence)s, %(sentiment)s,
        %(start_ms)s, %(end_ms)s, %(asr_latency_ms)s, %(response_latency_ms)s, %(barge_in)s,
        %(interrupted_at_ms)s, %(nlu_source)s, %(objection)s)
ON CONFLICT (call_id, seq) DO NOTHING;

-- name: mark_interrupted
UPDATE turns SET barge_in = true, interrupted_at_ms = %(cut_ms)s WHERE call_id = %(call_id)s AND seq = %(seq)s;

-- name: upsert_lead
INSERT INTO leads (call_id, contact_id, campaign_id, status, score, answers, summary, sentiment,
                   sentiment_timeline, rationale, callback_at, summary_source, objections, nlu_source)
VALUES (%(call_id)s, %(contact_id)s, %(campaign_id)s, %(status)s, %(score)s, %(answers)s, %(summary)s,
        %(sentiment)s, %(sentiment_timeline)s, %(rationale)s, %(callback_at)s, %(summary_source)s,
        %(objections)s, %(nlu_source)s)
ON CONFLICT (call_id) DO UPDATE SET
    status = EXCLUDED.status, score = EXCLUDED.score, answers = EXCLUDED.answers, summary = EXCLUDED.summary,
    sentiment = EXCLUDED.sentiment, sentiment_timeline = EXCLUDED.sentiment_timeline,
    rationale = EXCLUDED.rationale, callback_at = EXCLUDED.callback_at, summary_source = EXCLUDED.summary_source,
    objections = EXCLUDED.objections, nlu_source = EXCLUDED.nlu_source
RETURNING id;

-- name: add_dnc
INSERT INTO dnc (phone, source, reason) VALUES (%(phone)s, 'call', %(reason)s)
ON CONFLICT (phone) DO NOTHING;

-- name: mark_contact_refused
UPDATE contacts SET refused_at = %(at)s WHERE id = %(contact_id)s;

-- name: release_unstarted_leases
-- Rows this robot leased but never dialled (no call row for the attempt) go back to pending,
-- giving their attempt back: the robot died between claim and originate.
UPDATE call_queue q
SET status = 'pending', attempt = GREATEST(q.attempt - 1, 0), lease_owner = NULL, lease_expires = NULL,
    wait_reason = 'robot restarted before dialling', updated_at = %(now)s
WHERE q.status = 'leased' AND q.lease_owner = %(robot_id)s
  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.queue_id = q.id AND c.attempt = q.attempt)
RETURNING q.id;

-- name: demo_outcomes
SELECT k.phone, k.first_name, c.outcome, c.hangup_cause, c.hangup_cause_text, c.amd_result,
       round(extract(epoch FROM (c.ended_at - c.answered_at))::numeric, 1) AS talk_s,
       (SELECT count(*) FROM turns t WHERE t.call_id = c.id) AS turns
FROM calls c
JOIN campaigns g ON g.id = c.campaign_id
JOIN contacts k ON k.id = c.contact_id
WHERE g.name = %(name)s
ORDER BY c.id;

-- name: demo_leads
SELECT k.phone, l.status, l.score, l.summary
FROM leads l
JOIN campaigns g ON g.id = l.campaign_id
JOIN contacts k ON k.id = l.contact_id
WHERE g.name = %(name)s
ORDER BY l.id;
