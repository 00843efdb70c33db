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

-- name: end_call
UPDATE calls
SET status = 'ended', ended_at = %(at)s, hangup_cause = %(cause)s, hangup_cause_text = %(cause_text)s,
    outcome = %(outcome)s
WHERE id = %(call_id)s AND status <> 'ended'
RETURNING id;

-- name: unfinished_calls_of_robot
SELECT c.id, c.queue_id, c.channel_id, c.campaign_id, c.answered_at, q.lease_owner, q.status AS queue_status
FROM calls c
LEFT JOIN call_queue q ON q.id = c.queue_id
WHERE c.robot_id = %(robot_id)s AND c.status <> 'ended';

-- name: insert_turn
INSERT INTO turns (call_id, seq, speaker, step, text, intent, confidence, sentiment, start_ms, end_ms,
                   asr_latency_ms, response_latency_ms, barge_in, interrupted_at_ms)
VALUES (%(call_id)s, %(seq)s, %(speaker)s, %(step)s, %(text)s, %(intent)s, %(confidence)s, %(sentiment)s,
        %(start_ms)s, %(end_ms)s, %(asr_latency_ms)s, %(response_latency_ms)s, %(barge_in)s,
        %(interrupted_at_ms)s);

-- name: upsert_lead
INSERT INTO leads (call_id, contact_id, campaign_id, status, score, answers, summary, sentiment,
                   sentiment_timeline, rationale, callback_at)
VALUES (%(call_id)s, %(contact_id)s, %(campaign_id)s, %(status)s, %(score)s, %(answers)s, %(summary)s,
        %(sentiment)s, %(sentiment_timeline)s, %(rationale)s, %(callback_at)s)
ON CONFLICT (call_id) DO UPDATE SET
    status = EXCLUDED.status, score = EXCLUDED.score, answers = EXCLUDED.answers, summary = EXCLUDED.summary,
    sentiment = EXCLUDED.sentiment, sentiment_timeline = EXCLUDED.sentiment_timeline,
    rationale = EXCLUDED.rationale, callback_at = EXCLUDED.callback_at
RETURNING id;

-- name: add_dnc
INSERT INTO dnc (phone, source, reason) VALUES (%(phone)s, 'call', %(reason)s)
ON CONFLICT (phone) DO NOTHING;

-- name: mark_contact_refused
UPDATE contacts SET refused_at = %(at)s WHERE id = %(contact_id)s;
