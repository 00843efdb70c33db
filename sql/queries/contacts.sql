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

-- name: count_dnc_staged
SELECT count(*) AS n FROM contact_staging s WHERE EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone);

-- name: insert_from_staging
-- Rows go in file order, so for a number repeated in the file the first line wins (the later
-- ones hit ON CONFLICT); DNC numbers and numbers already in the campaign are skipped.
INSERT INTO contacts (campaign_id, phone, first_name, last_name, timezone, consent, extra)
SELECT %(campaign_id)s, s.phone, s.first_name, s.last_name, s.timezone, s.consent, s.extra
FROM contact_staging s
WHERE NOT EXISTS (SELECT 1 FROM dnc d WHERE d.phone = s.phone)
ORDER BY s.line
ON CONFLICT (campaign_id, phone) DO NOTHING;
