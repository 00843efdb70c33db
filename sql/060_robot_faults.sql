-- Robot faults (docs/robot.md): why the robot paused a campaign, the live robots, the shared
-- calls-per-second pacing of each campaign, and the open calls of a queue row.

-- Set when a robot pauses a campaign that failed its preflight; cleared by any status change.
ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS status_reason text;

-- One row per robot id: the process holding it and its heartbeat. A robot refuses to start while
-- another live process holds its id, and the claim never takes a row whose call a live robot holds.
CREATE TABLE IF NOT EXISTS robots (
    id          text PRIMARY KEY,
    instance    text NOT NULL,
    host        text NOT NULL,
    pid         integer NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);

-- The next instant a campaign may be dialled, shared by every robot (calls_per_second, no burst).
CREATE TABLE IF NOT EXISTS campaign_pacing (
    campaign_id   bigint PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    next_dial_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS calls_open_queue_idx ON calls (queue_id) WHERE status <> 'ended';
