-- Campaign schedules (run windows, holidays) and the persistent state of scheduled jobs.

-- Daily run windows, their time zone and the holiday calendar; starts_at/ends_at already exist.
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS run_schedule jsonb NOT NULL DEFAULT '{}'::jsonb;
-- The scheduler's gate: a running campaign is dialled only while its schedule is open.
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS schedule_open boolean NOT NULL DEFAULT true;
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS schedule_reason text NOT NULL DEFAULT '';

-- One row per job: when it should run next (a restarted robot runs what it missed).
CREATE TABLE IF NOT EXISTS scheduler_jobs (
    job          text PRIMARY KEY,
    trigger      text NOT NULL,
    next_run_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per run of a job's slot: the primary key lets exactly one robot run a slot.
CREATE TABLE IF NOT EXISTS scheduler_runs (
    job          text NOT NULL,
    slot         timestamptz NOT NULL,
    owner        text NOT NULL,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed')),
    attempts     integer NOT NULL DEFAULT 1,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    result       jsonb NOT NULL DEFAULT '{}'::jsonb,
    error        text NOT NULL DEFAULT '',
    PRIMARY KEY (job, slot)
);
CREATE INDEX IF NOT EXISTS scheduler_runs_latest_idx ON scheduler_runs (job, started_at DESC);
