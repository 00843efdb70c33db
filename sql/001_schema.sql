-- MiniBot core schema: users, campaigns, contacts, DNC, call queue, calls, turns, leads, audit log.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL UNIQUE,
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer')),
    disabled        boolean NOT NULL DEFAULT false,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    api_token_hash  text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL UNIQUE,
    scenario             text NOT NULL DEFAULT 'patrimoine',
    status               text NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'running', 'paused', 'stopped', 'finished')),
    endpoint_template    text NOT NULL DEFAULT 'PJSIP/{number}@trunk',
    caller_id            text NOT NULL DEFAULT '',
    max_concurrent_calls integer NOT NULL DEFAULT 5 CHECK (max_concurrent_calls > 0),
    calls_per_second     double precision NOT NULL DEFAULT 1.0 CHECK (calls_per_second > 0),
    ring_timeout_s       integer NOT NULL DEFAULT 30 CHECK (ring_timeout_s > 0),
    retry_policy         jsonb NOT NULL DEFAULT '{}'::jsonb,
    compliance_profile   text NOT NULL DEFAULT 'fr' CHECK (compliance_profile IN ('fr', 'us-tcpa', 'none')),
    b2b                  boolean NOT NULL DEFAULT false,
    amd_mode             text NOT NULL DEFAULT 'hybrid' CHECK (amd_mode IN ('off', 'asterisk', 'bot', 'hybrid')),
    record_calls         boolean NOT NULL DEFAULT true,
    priority             integer NOT NULL DEFAULT 0,
    starts_at            timestamptz,
    ends_at              timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
    id           bigserial PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    phone        text NOT NULL,
    first_name   text NOT NULL DEFAULT '',
    last_name    text NOT NULL DEFAULT '',
    timezone     text NOT NULL DEFAULT 'Europe/Paris',
    consent      text NOT NULL DEFAULT '' ,
    extra        jsonb NOT NULL DEFAULT '{}'::jsonb,
    refused_at   timestamptz,
    erased_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, phone)
);
CREATE INDEX contacts_phone_idx ON contacts (phone);

CREATE TABLE dnc (
    phone     text PRIMARY KEY,
    source    text NOT NULL DEFAULT 'manual',
    reason    text NOT NULL DEFAULT '',
    added_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per imported national opposition list (e.g. Bloctel), to warn when it gets old.
CREATE TABLE dnc_imports (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL,
    file_name    text NOT NULL,
    rows_added   integer NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE call_queue (
    id            bigserial PRIMARY KEY,
    campaign_id   bigint NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id    bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    attempt       integer NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'leased', 'done', 'cancelled')),
    priority      integer NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL DEFAULT now(),
    lease_owner   text,
    lease_expires timestamptz,
    last_result   text,
    wait_reason   text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX call_queue_ready_idx ON call_queue (priority DESC, not_before, id) WHERE status = 'pending';
CREATE INDEX call_queue_leased_idx ON call_queue (lease_expires) WHERE status = 'leased';
CREATE INDEX call_queue_campaign_status_idx ON call_queue (campaign_id, status);

CREATE TABLE calls (
    id              bigserial PRIMARY KEY,
    queue_id        bigint REFERENCES call_queue(id) ON DELETE SET NULL,
    campaign_id     bigint NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id      bigint REFERENCES contacts(id) ON DELETE SET NULL,
    attempt         integer NOT NULL DEFAULT 1,
    channel_id      text UNIQUE,
    robot_id        text,
    status          text NOT NULL DEFAULT 'originating'
                    CHECK (status IN ('originating', 'ringing', 'answered', 'ended')),
    current_step    text,
    queued_at       timestamptz,
    originated_at   timestamptz,
    answered_at     timestamptz,
    ended_at        timestamptz,
    hangup_cause    integer,
    hangup_cause_text text,
    outcome         text,
    amd_result      text,
    amd_reason      text,
    recording_path  text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_campaign_created_idx ON calls (campaign_id, created_at DESC);
CREATE INDEX calls_contact_idx ON calls (contact_id);
CREATE INDEX calls_live_idx ON calls (status) WHERE status <> 'ended';

CREATE TABLE turns (
    id              bigserial PRIMARY KEY,
    call_id         bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq             integer NOT NULL,
    speaker         text NOT NULL CHECK (speaker IN ('bot', 'caller')),
    step            text,
    text            text NOT NULL DEFAULT '',
    intent          text,
    confidence      real,
    sentiment       text,
    start_ms        integer,
    end_ms          integer,
    asr_latency_ms  integer,
    response_latency_ms integer,
    barge_in        boolean NOT NULL DEFAULT false,
    interrupted_at_ms integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (call_id, seq)
);

CREATE TABLE leads (
    id              bigserial PRIMARY KEY,
    call_id         bigint NOT NULL UNIQUE REFERENCES calls(id) ON DELETE CASCADE,
    contact_id      bigint REFERENCES contacts(id) ON DELETE SET NULL,
    campaign_id     bigint NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    status          text NOT NULL
                    CHECK (status IN ('qualified', 'not_interested', 'callback', 'do_not_call', 'unreachable')),
    score           integer NOT NULL DEFAULT 0,
    answers         jsonb NOT NULL DEFAULT '{}'::jsonb,
    summary         text NOT NULL DEFAULT '',
    sentiment       text,
    sentiment_timeline jsonb NOT NULL DEFAULT '[]'::jsonb,
    rationale       text NOT NULL DEFAULT '',
    callback_at     timestamptz,
    assigned_to     bigint REFERENCES users(id) ON DELETE SET NULL,
    reviewed_by     bigint REFERENCES users(id) ON DELETE SET NULL,
    reviewed_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_campaign_status_created_idx ON leads (campaign_id, status, created_at DESC, id DESC);
CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC);
CREATE INDEX leads_score_idx ON leads (score DESC, id DESC);

CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}'::jsonb,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
