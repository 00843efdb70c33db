-- Scheduled jobs: run-once claims of a job's slot across robots, results, next runs.

-- name: claim_slot
-- Take a slot: a new one, a failed one (retry), or one whose runner vanished (stale).
INSERT INTO scheduler_runs (job, slot, owner, status, attempts, started_at)
VALUES (%(job)s, %(slot)s, %(owner)s, 'running', 1, %(now)s)
ON CONFLICT (job, slot) DO UPDATE
SET owner = EXCLUDED.owner, status = 'running', attempts = scheduler_runs.attempts + 1,
    started_at = EXCLUDED.started_at, finished_at = NULL, error = ''
WHERE scheduler_runs.attempts < %(max_attempts)s
  AND (scheduler_runs.status = 'failed'
       OR (scheduler_runs.status = 'running' AND scheduler_runs.started_at < %(stale_before)s))
RETURNING attempts;

-- name: finish_slot
UPDATE scheduler_runs
SET status = %(status)s, finished_at = %(now)s, result = %(result)s, error = %(error)s
WHERE job = %(job)s AND slot = %(slot)s AND owner = %(owner)s;

-- name: save_next_run
INSERT INTO scheduler_jobs (job, trigger, next_run_at, updated_at)
VALUES (%(job)s, %(trigger)s, %(next_run_at)s, %(now)s)
ON CONFLICT (job) DO UPDATE
SET trigger = EXCLUDED.trigger, next_run_at = EXCLUDED.next_run_at, updated_at = EXCLUDED.updated_at;

-- name: get_next_run
SELECT next_run_at FROM scheduler_jobs WHERE job = %(job)s;

-- name: job_report
-- Every job known to the database with its next run and its latest run.
SELECT j.job, j.trigger, j.next_run_at, r.slot, r.status, r.attempts, r.started_at, r.finished_at,
       r.result, r.error
FROM scheduler_jobs j
LEFT JOIN LATERAL (
    SELECT * FROM scheduler_runs x WHERE x.job = j.job ORDER BY x.started_at DESC LIMIT 1
) r ON true
ORDER BY j.job;

-- name: scheduled_campaigns
-- Campaigns whose schedule matters now: those with a schedule, and those the gate holds.
SELECT id, name, status, compliance_profile, starts_at, ends_at, run_schedule, schedule_open,
       schedule_reason
FROM campaigns
WHERE starts_at IS NOT NULL OR ends_at IS NOT NULL OR run_schedule <> '{}'::jsonb
   OR NOT schedule_open OR compliance_profile = 'fr';

-- name: set_gate
UPDATE campaigns SET schedule_open = %(open)s, schedule_reason = %(reason)s, updated_at = %(now)s
WHERE id = %(id)s AND (schedule_open IS DISTINCT FROM %(open)s OR schedule_reason <> %(reason)s);

-- name: set_schedule
UPDATE campaigns SET starts_at = %(starts_at)s, ends_at = %(ends_at)s, run_schedule = %(run_schedule)s,
       updated_at = %(now)s
WHERE id = %(id)s RETURNING *;

-- name: campaign_funnel
-- Per campaign, the calls created in [start, end): the funnel, talk time and transfers.
SELECT c.name AS campaign,
       count(x.id) AS dialled,
       count(x.answered_at) AS answered,
       count(*) FILTER (WHERE x.amd_result = 'human') AS humans,
       count(l.id) FILTER (WHERE l.status = 'qualified') AS qualified,
       count(*) FILTER (WHERE x.transfer_result = 'connected') AS transferred,
       COALESCE(sum(EXTRACT(EPOCH FROM (x.ended_at - x.answered_at)))
                FILTER (WHERE x.answered_at IS NOT NULL AND x.ended_at IS NOT NULL), 0) AS talk_seconds
FROM campaigns c
JOIN calls x ON x.campaign_id = c.id AND x.created_at >= %(start)s AND x.created_at < %(end)s
LEFT JOIN leads l ON l.call_id = x.id
GROUP BY c.name
ORDER BY c.name;

-- name: queue_depth
SELECT c.name AS campaign, q.status, count(*) AS n
FROM call_queue q JOIN campaigns c ON c.id = q.campaign_id
WHERE c.status <> 'draft'
GROUP BY c.name, q.status;

-- name: campaign_dialling
SELECT name AS campaign, (status = 'running' AND schedule_open) AS dialling
FROM campaigns WHERE status <> 'draft';
