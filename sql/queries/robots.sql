-- Live robots: one row per robot id with the process holding it and its heartbeat (database clock).

-- name: get
SELECT id, instance, host, pid, started_at, last_seen,
       extract(epoch FROM now() - last_seen)::float8 AS silent_s
FROM robots WHERE id = %(id)s;

-- name: take
-- Take the id when it is free, or when the process seen holding it (%(seen)s) is known gone.
INSERT INTO robots AS r (id, instance, host, pid) VALUES (%(id)s, %(instance)s, %(host)s, %(pid)s)
ON CONFLICT (id) DO UPDATE
SET instance = EXCLUDED.instance, host = EXCLUDED.host, pid = EXCLUDED.pid, started_at = now(), last_seen = now()
WHERE r.instance = %(seen)s
RETURNING id;

-- name: heartbeat
UPDATE robots SET last_seen = now() WHERE id = %(id)s AND instance = %(instance)s RETURNING id;

-- name: release
DELETE FROM robots WHERE id = %(id)s AND instance = %(instance)s;
