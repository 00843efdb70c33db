-- Advisers, their availability, and the appointments the bot books for them during calls.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE IF NOT EXISTS advisers (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    title                text NOT NULL DEFAULT 'conseiller',
    email                text NOT NULL DEFAULT '',
    phone                text NOT NULL DEFAULT '',
    endpoint             text NOT NULL DEFAULT '',
    timezone             text NOT NULL DEFAULT 'Europe/Paris',
    skills               text[] NOT NULL DEFAULT '{}',
    regions              text[] NOT NULL DEFAULT '{}',
    appointment_minutes  integer NOT NULL DEFAULT 45 CHECK (appointment_minutes BETWEEN 5 AND 480),
    buffer_minutes       integer NOT NULL DEFAULT 15 CHECK (buffer_minutes BETWEEN 0 AND 240),
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Weekly working hours, as run windows ("mon-fri 09:00-12:30") in the adviser's time zone.
CREATE TABLE IF NOT EXISTS adviser_hours (
    adviser_id  bigint NOT NULL REFERENCES advisers(id) ON DELETE CASCADE,
    window_spec text NOT NULL,
    PRIMARY KEY (adviser_id, window_spec)
);

-- Absences and busy times imported from the adviser's calendar (.ics).
CREATE TABLE IF NOT EXISTS adviser_busy (
    id          bigserial PRIMARY KEY,
    adviser_id  bigint NOT NULL REFERENCES advisers(id) ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    kind        text NOT NULL CHECK (kind IN ('absence', 'calendar')),
    reason      text NOT NULL DEFAULT '',
    uid         text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS adviser_busy_idx ON adviser_busy (adviser_id, ends_at);

-- An appointment blocks its adviser from starts_at to blocked_until (the end plus the buffer).
-- Held while the bot confirms it (held_until), then confirmed; released holds and cancelled or
-- moved appointments no longer block. The exclusion constraint makes double booking impossible.
CREATE TABLE IF NOT EXISTS appointments (
    id             bigserial PRIMARY KEY,
    adviser_id     bigint NOT NULL REFERENCES advisers(id) ON DELETE CASCADE,
    campaign_id    bigint REFERENCES campaigns(id) ON DELETE SET NULL,
    call_id        bigint REFERENCES calls(id) ON DELETE SET NULL,
    contact_id     bigint REFERENCES contacts(id) ON DELETE SET NULL,
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL CHECK (ends_at > starts_at),
    blocked_until  timestamptz NOT NULL CHECK (blocked_until >= ends_at),
    status         text NOT NULL CHECK (status IN ('held', 'confirmed', 'released', 'cancelled')),
    held_until     timestamptz,
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (adviser_id WITH =, tstzrange(starts_at, blocked_until) WITH &&)
        WHERE (status IN ('held', 'confirmed'))
);
CREATE INDEX IF NOT EXISTS appointments_call_idx ON appointments (call_id);
CREATE INDEX IF NOT EXISTS appointments_adviser_idx ON appointments (adviser_id, starts_at);
