-- Advisers, their hours, absences and calendar busy times.

-- name: get
SELECT * FROM advisers WHERE name = %(name)s OR id::text = %(name)s ORDER BY name = %(name)s DESC LIMIT 1;

-- name: insert
INSERT INTO advisers (name, title, email, phone, endpoint, timezone, skills, regions, appointment_minutes,
                      buffer_minutes)
VALUES (%(name)s, %(title)s, %(email)s, %(phone)s, %(endpoint)s, %(timezone)s, %(skills)s, %(regions)s,
        %(appointment_minutes)s, %(buffer_minutes)s)
RETURNING *;

-- name: delete_hours
DELETE FROM adviser_hours WHERE adviser_id = %(id)s;

-- name: insert_hours
INSERT INTO adviser_hours (adviser_id, window_spec) VALUES (%(id)s, %(spec)s) ON CONFLICT DO NOTHING;

-- name: list
SELECT a.*,
       COALESCE((SELECT array_agg(h.window_spec ORDER BY h.window_spec) FROM adviser_hours h
                 WHERE h.adviser_id = a.id), '{}') AS hours,
       (SELECT count(*) FROM appointments p
        WHERE p.adviser_id = a.id AND p.status = 'confirmed' AND p.starts_at > now()) AS upcoming
FROM advisers a
ORDER BY a.name;

-- name: insert_busy
INSERT INTO adviser_busy (adviser_id, starts_at, ends_at, kind, reason, uid)
VALUES (%(id)s, %(starts_at)s, %(ends_at)s, %(kind)s, %(reason)s, %(uid)s);

-- name: delete_calendar_busy
DELETE FROM adviser_busy WHERE adviser_id = %(id)s AND kind = 'calendar';

-- name: upcoming_busy
SELECT * FROM adviser_busy WHERE adviser_id = %(id)s AND ends_at > %(since)s ORDER BY starts_at;

-- name: upcoming_appointments
SELECT p.*, k.first_name, k.last_name, k.phone, c.name AS campaign, 0 AS sequence
FROM appointments p
LEFT JOIN contacts k ON k.id = p.contact_id
LEFT JOIN campaigns c ON c.id = p.campaign_id
WHERE p.adviser_id = %(id)s AND p.status = 'confirmed' AND p.ends_at > %(since)s
ORDER BY p.starts_at;
