-- Do-not-call list.

-- name: add
INSERT INTO dnc (phone, source, reason, added_at) VALUES (%(phone)s, %(source)s, %(reason)s, %(now)s)
ON CONFLICT (phone) DO UPDATE SET source = EXCLUDED.source, reason = EXCLUDED.reason
RETURNING (xmax = 0) AS inserted;

-- name: remove
DELETE FROM dnc WHERE phone = %(phone)s;

-- name: get
SELECT * FROM dnc WHERE phone = %(phone)s;

-- name: create_staging
CREATE TEMP TABLE dnc_staging (phone text NOT NULL) ON COMMIT DROP;

-- name: copy_staging
COPY dnc_staging (phone) FROM STDIN;

-- name: insert_from_staging
INSERT INTO dnc (phone, source, reason, added_at)
SELECT DISTINCT phone, %(source)s, %(reason)s, %(now)s FROM dnc_staging
ON CONFLICT (phone) DO NOTHING;

-- name: record_import
INSERT INTO dnc_imports (source, file_name, rows_added, imported_at)
VALUES (%(source)s, %(file_name)s, %(rows_added)s, %(now)s);

-- name: latest_import
SELECT max(imported_at) AS imported_at FROM dnc_imports WHERE source = %(source)s;
