-- Contact import: COPY into a session-local staging table, then one INSERT ... SELECT.

-- name: create_staging
CREATE TEMP TABLE contact_staging (
    line        bigint NOT NULL,
    phone       text NOT NULL,
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    timezone    text NOT NULL,
    consent     text NOT NULL,
    extra       jsonb NOT NULL
) ON COMMIT DROP;

-- name: copy_staging
COPY contact_staging (line, phone, first_name, last_name, timezone, consent, extra) FROM STDIN;

-- name: insert_from_staging
-- Rows go in file order, so for a number repeated in the file the first line wins (the later
-- ones hit ON CONFLICT); DNC numbers and numbers already in the campaign are skipped.
INSERT INTO contacts (campaign_id, phone, first_name, last_name, timezone, consent, extra)
SELECT %(campaign_id)s, s.phone, s.first_name, s.last_name, s.timezone, s.consent, s.extra
FROM contact_staging s
WHERE NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone)
ORDER BY s.line
ON CONFLICT (campaign_id, phone) DO NOTHING;

-- name: skipped_staged
-- Staged lines insert_from_staging did not insert (run after it, in the same transaction), with
-- why: on the DNC list, a number repeated in the file (a later line than its first), or a number
-- already in the campaign before this import (created before this transaction began).
SELECT s.line, f.first_line,
       CASE WHEN EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone) THEN 'dnc'
            WHEN f.first_line < s.line THEN 'duplicate'
            ELSE 'existing' END AS kind
FROM contact_staging s
JOIN (SELECT phone, min(line) AS first_line FROM contact_staging GROUP BY phone) f ON f.phone = s.phone
WHERE f.first_line < s.line
   OR EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone)
   OR EXISTS (SELECT 1 FROM contacts k
              WHERE k.campaign_id = %(campaign_id)s AND k.phone = s.phone AND k.created_at < now())
ORDER BY s.line;

-- name: update_from_staging
-- `contacts import --update`: contacts already in the campaign take the non-empty fields of the
-- first line of their number (time zone only when the file has a time zone column; extra
-- columns merged). One audit_log row per changed contact says who changed what (old, new).
WITH src AS (
    SELECT DISTINCT ON (s.phone) s.*
    FROM contact_staging s
    WHERE NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone)
    ORDER BY s.phone, s.line
), old AS (
    SELECT k.id, k.first_name, k.last_name, k.timezone, k.consent, k.extra, src.line,
           COALESCE(NULLIF(src.first_name, ''), k.first_name) AS new_first_name,
           COALESCE(NULLIF(src.last_name, ''), k.last_name) AS new_last_name,
           CASE WHEN %(tz_column)s THEN src.timezone ELSE k.timezone END AS new_timezone,
           COALESCE(NULLIF(src.consent, ''), k.consent) AS new_consent,
           k.extra || src.extra AS new_extra
    FROM contacts k JOIN src ON src.phone = k.phone
    WHERE k.campaign_id = %(campaign_id)s AND k.erased_at IS NULL
), changed AS (
    SELECT o.*, jsonb_strip_nulls(jsonb_build_object(
        'first_name', CASE WHEN o.new_first_name <> o.first_name
                           THEN jsonb_build_array(o.first_name, o.new_first_name) END,
        'last_name', CASE WHEN o.new_last_name <> o.last_name
                          THEN jsonb_build_array(o.last_name, o.new_last_name) END,
        'timezone', CASE WHEN o.new_timezone <> o.timezone
                         THEN jsonb_build_array(o.timezone, o.new_timezone) END,
        'consent', CASE WHEN o.new_consent <> o.consent
                        THEN jsonb_build_array(o.consent, o.new_consent) END,
        'extra', CASE WHEN o.new_extra <> o.extra THEN jsonb_build_array(o.extra, o.new_extra) END
    )) AS changes
    FROM old o
), upd AS (
    UPDATE contacts k
    SET first_name = c.new_first_name, last_name = c.new_last_name, timezone = c.new_timezone,
        consent = c.new_consent, extra = c.new_extra
    FROM changed c
    WHERE k.id = c.id AND c.changes <> '{}'::jsonb
    RETURNING k.id
)
INSERT INTO audit_log (actor, action, target, details)
SELECT %(actor)s, 'contact.update', 'contact:' || c.id,
       jsonb_build_object('campaign_id', %(campaign_id)s::bigint, 'line', c.line, 'changes', c.changes)
FROM changed c JOIN upd ON upd.id = c.id
RETURNING (details ->> 'line')::bigint AS line;
