-- Dashboard users: accounts, passwords, lockout and API tokens.

-- name: create_user
INSERT INTO users (email, password_hash, role) VALUES (%(email)s, %(password_hash)s, %(role)s)
ON CONFLICT (email) DO NOTHING
RETURNING id, email, role;

-- name: list_users
SELECT id, email, role, disabled, failed_logins, locked_until, api_token_hash IS NOT NULL AS has_token, created_at
FROM users ORDER BY id;

-- name: user_by_email
SELECT id, email, password_hash, role, disabled, failed_logins, locked_until FROM users WHERE email = %(email)s;

-- name: user_by_id
SELECT id, email, role, disabled FROM users WHERE id = %(id)s;

-- name: user_by_token_hash
SELECT id, email, role, disabled FROM users WHERE api_token_hash = %(token_hash)s;

-- name: disable_user
UPDATE users SET disabled = true, api_token_hash = NULL WHERE email = %(email)s RETURNING id;

-- name: set_password
UPDATE users SET password_hash = %(password_hash)s, failed_logins = 0, locked_until = NULL
WHERE email = %(email)s RETURNING id;

-- name: set_token_hash
UPDATE users SET api_token_hash = %(token_hash)s WHERE email = %(email)s AND NOT disabled RETURNING id;

-- name: record_login_failure
-- The 5th consecutive failure locks the account for 15 minutes and restarts the count.
UPDATE users
SET failed_logins = CASE WHEN failed_logins + 1 >= %(max_failures)s THEN 0 ELSE failed_logins + 1 END,
    locked_until = CASE WHEN failed_logins + 1 >= %(max_failures)s THEN %(now)s + make_interval(mins => %(lock_minutes)s)
                        ELSE locked_until END
WHERE id = %(id)s
RETURNING failed_logins, locked_until;

-- name: record_login_success
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = %(id)s;

-- name: list_assignable_users
SELECT id, email FROM users WHERE NOT disabled AND role IN ('admin', 'supervisor') ORDER BY email;
