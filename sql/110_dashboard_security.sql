-- Dashboard security: server-side sessions, login throttling, expiring scoped API tokens.

CREATE TABLE dashboard_sessions (
    id_hash       text PRIMARY KEY,          -- HMAC-SHA256 of the cookie value (the cookie itself is never stored)
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,      -- idle timeout counts from here
    expires_at    timestamptz NOT NULL,      -- absolute lifetime
    revoked_at    timestamptz,
    ip            text NOT NULL DEFAULT ''
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_id) WHERE revoked_at IS NULL;

-- One row per throttled key: 'global', 'ip:<address>', 'pair:<email>|<address>'.
CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    email         text,                      -- set on pair rows, so an admin can unlock an account
    attempts      integer NOT NULL DEFAULT 0, -- failed or in-flight attempts in the current window
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz,
    lock_level    integer NOT NULL DEFAULT 0 -- pair rows: consecutive locks (the next one lasts twice as long)
);
CREATE INDEX login_throttle_email ON login_throttle (email) WHERE email IS NOT NULL;

CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    text NOT NULL UNIQUE,      -- SHA-256 of the token
    scope         text NOT NULL CHECK (scope IN ('read', 'write')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Tokens issued before this migration keep working for 90 days, then must be reissued.
INSERT INTO api_tokens (user_id, token_hash, scope, expires_at)
SELECT id, api_token_hash, 'write', now() + interval '90 days' FROM users WHERE api_token_hash IS NOT NULL;
UPDATE users SET api_token_hash = NULL WHERE api_token_hash IS NOT NULL;

-- A new password, role or disabled flag ends the user's sessions at once, whoever changes it;
-- disabling also revokes the user's API tokens.
CREATE FUNCTION end_user_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboard_sessions SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    IF NEW.disabled THEN
        UPDATE api_tokens SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER users_end_sessions
AFTER UPDATE OF password_hash, role, disabled ON users
FOR EACH ROW
WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash
      OR OLD.role IS DISTINCT FROM NEW.role
      OR OLD.disabled IS DISTINCT FROM NEW.disabled)
EXECUTE FUNCTION end_user_sessions();
