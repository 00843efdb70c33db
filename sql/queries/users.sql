-- Dashboard users: accounts, passwords, sessions, login throttling and API tokens.

-- name: create_user
INSERT INTO users (email, password_hash, role) VALUES (%(email)s, %(password_hash)s, %(role)s)
ON CONFLICT (email) DO NOTHING
RETURNING id, email, role;

-- name: list_users
SELECT u.id, u.email, u.role, u.disabled, u.created_at,
       (SELECT max(t.locked_until) FROM login_throttle t
        WHERE t.email = u.email AND t.locked_until > %(now)s) AS locked_until,
       (SELECT count(*) FROM api_tokens a
        WHERE a.user_id = u.id AND a.revoked_at IS NULL AND a.expires_at > %(now)s) AS active_tokens,
       (SELECT count(*) FROM dashboard_sessions s
        WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > %(now)s) AS open_sessions
FROM users u ORDER BY u.id;

-- name: user_by_email
SELECT id, email, password_hash, role, disabled FROM users WHERE email = %(email)s;

-- name: disable_user
UPDATE users SET disabled = true WHERE email = %(email)s RETURNING id;

-- name: set_password
UPDATE users SET password_hash = %(password_hash)s WHERE email = %(email)s RETURNING id;

-- name: set_role
UPDATE users SET role = %(role)s WHERE email = %(email)s RETURNING id;

-- name: list_assignable_users
SELECT id, email FROM users WHERE NOT disabled AND role IN ('admin', 'supervisor') ORDER BY email;

-- ---------------------------------------------------------------- sessions

-- name: create_session
INSERT INTO dashboard_sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip)
VALUES (%(id_hash)s, %(user_id)s, %(now)s, %(now)s, %(expires_at)s, %(ip)s);

-- name: touch_session
-- The live session behind a cookie (not revoked, not idle, not past its lifetime, user enabled); the
-- request counts as activity, written at most once a minute (most requests only read).
WITH live AS (
    SELECT s.id_hash, s.last_seen_at, u.id, u.email, u.role
    FROM dashboard_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id_hash = %(id_hash)s AND NOT u.disabled AND s.revoked_at IS NULL
      AND s.expires_at > %(now)s AND s.last_seen_at > %(now)s - make_interval(secs => %(idle_seconds)s)
), touched AS (
    UPDATE dashboard_sessions d SET last_seen_at = %(now)s
    FROM live WHERE d.id_hash = live.id_hash AND live.last_seen_at <= %(now)s - interval '60 seconds'
)
SELECT id, email, role FROM live;

-- name: check_session
-- Like touch_session without counting as activity (open event streams re-check with it).
SELECT u.id FROM dashboard_sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = %(id_hash)s AND NOT u.disabled AND s.revoked_at IS NULL
  AND s.expires_at > %(now)s AND s.last_seen_at > %(now)s - make_interval(secs => %(idle_seconds)s);

-- name: revoke_session
UPDATE dashboard_sessions SET revoked_at = %(now)s WHERE id_hash = %(id_hash)s AND revoked_at IS NULL;

-- name: revoke_user_sessions
UPDATE dashboard_sessions s SET revoked_at = %(now)s
FROM users u
WHERE u.email = %(email)s AND s.user_id = u.id AND s.revoked_at IS NULL
RETURNING s.id_hash;

-- name: user_id_by_email
SELECT id FROM users WHERE email = %(email)s;

-- ---------------------------------------------------------------- login throttling

-- name: throttle_reserve
-- Count one attempt against a key unless it is locked or its window is full (then no row comes back).
INSERT INTO login_throttle AS t (key, email, attempts, window_start)
VALUES (%(key)s, %(email)s, 1, %(now)s)
ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN t.window_start <= %(now)s - make_interval(secs => %(window_seconds)s)
                    THEN 1 ELSE t.attempts + 1 END,
    window_start = CASE WHEN t.window_start <= %(now)s - make_interval(secs => %(window_seconds)s)
                        THEN %(now)s ELSE t.window_start END
WHERE (t.locked_until IS NULL OR t.locked_until <= %(now)s)
  AND (t.attempts < %(max_attempts)s OR t.window_start <= %(now)s - make_interval(secs => %(window_seconds)s))
RETURNING t.attempts;

-- name: throttle_release
-- A successful attempt gives its reservation back.
UPDATE login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = %(key)s;

-- name: throttle_pair_failed
-- A failure that fills the pair's budget locks it, each lock twice as long as the previous one.
UPDATE login_throttle
SET locked_until = CASE WHEN attempts >= %(max_attempts)s
                        THEN %(now)s + least(make_interval(secs => %(lock_seconds)s * power(2, lock_level)),
                                             make_interval(secs => %(max_lock_seconds)s))
                        ELSE locked_until END,
    lock_level = CASE WHEN attempts >= %(max_attempts)s THEN lock_level + 1 ELSE lock_level END,
    attempts = CASE WHEN attempts >= %(max_attempts)s THEN 0 ELSE attempts END
WHERE key = %(key)s
RETURNING locked_until;

-- name: throttle_pair_succeeded
-- A successful login forgets the pair's failures, unless a concurrent failure has locked it meanwhile.
UPDATE login_throttle SET attempts = 0, lock_level = 0
WHERE key = %(key)s AND (locked_until IS NULL OR locked_until <= %(now)s);

-- name: unlock_email
DELETE FROM login_throttle WHERE email = %(email)s RETURNING key;

-- ---------------------------------------------------------------- API tokens

-- name: create_api_token
INSERT INTO api_tokens (user_id, token_hash, scope, created_at, expires_at)
SELECT id, %(token_hash)s, %(scope)s, %(now)s, %(expires_at)s FROM users WHERE email = %(email)s AND NOT disabled
RETURNING id;

-- name: use_api_token
-- The user and scope of a valid token; its last use is written at most once a minute.
WITH valid AS (
    SELECT t.id AS token_id, t.last_used_at, t.scope, u.id, u.email, u.role
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = %(token_hash)s AND NOT u.disabled AND t.revoked_at IS NULL AND t.expires_at > %(now)s
), used AS (
    UPDATE api_tokens a SET last_used_at = %(now)s
    FROM valid WHERE a.id = valid.token_id
      AND (valid.last_used_at IS NULL OR valid.last_used_at <= %(now)s - interval '60 seconds')
)
SELECT id, email, role, scope FROM valid;

-- name: list_api_tokens
SELECT t.id, u.email, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE %(email)s::text IS NULL OR u.email = %(email)s
ORDER BY t.id;

-- name: revoke_api_token
UPDATE api_tokens SET revoked_at = %(now)s WHERE id = %(id)s AND revoked_at IS NULL RETURNING id;

-- ---------------------------------------------------------------- housekeeping

-- name: prune_sessions
-- Sessions that ended (revoked or expired) more than %(keep_days)s days ago.
DELETE FROM dashboard_sessions
WHERE coalesce(revoked_at, expires_at) < %(now)s - make_interval(days => %(keep_days)s)
RETURNING id_hash;

-- name: prune_throttle
-- Throttle rows whose window is over a day old and that lock nothing.
DELETE FROM login_throttle
WHERE window_start < %(now)s - interval '1 day' AND (locked_until IS NULL OR locked_until <= %(now)s)
RETURNING key;
