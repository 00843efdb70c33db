-- Appointments booked during calls: availability, atomic holds, confirmation, moves, cancels.

-- name: active_advisers
-- Advisers who can take the appointment: active, with the skill when one is asked.
SELECT a.*,
       COALESCE((SELECT array_agg(h.window_spec) FROM adviser_hours h WHERE h.adviser_id = a.id), '{}')
           AS hours
FROM advisers a
WHERE a.active AND (%(skill)s = '' OR %(skill)s = ANY (a.skills))
ORDER BY a.id;

-- name: blocked
-- What blocks the advisers between now and the horizon: busy times, and appointments with buffer.
SELECT adviser_id, starts_at, ends_at FROM adviser_busy
WHERE adviser_id = ANY (%(ids)s) AND ends_at > %(now)s AND starts_at < %(until)s
UNION ALL
SELECT adviser_id, starts_at, blocked_until FROM appointments
WHERE adviser_id = ANY (%(ids)s) AND status IN ('held', 'confirmed') AND blocked_until > %(now)s
  AND starts_at < %(until)s AND (status = 'confirmed' OR held_until > %(now)s);

-- name: expire_holds
UPDATE appointments SET status = 'released', updated_at = %(now)s
WHERE status = 'held' AND held_until <= %(now)s AND (%(adviser_id)s::bigint IS NULL OR adviser_id = %(adviser_id)s);

-- name: hold
INSERT INTO appointments (adviser_id, campaign_id, call_id, contact_id, starts_at, ends_at, blocked_until, status,
                          held_until, created_at, updated_at)
VALUES (%(adviser_id)s, %(campaign_id)s, %(call_id)s, %(contact_id)s, %(starts_at)s, %(ends_at)s,
        %(blocked_until)s, 'held', %(held_until)s, %(now)s, %(now)s)
RETURNING id;

-- name: confirm
UPDATE appointments SET status = 'confirmed', held_until = NULL, updated_at = %(now)s
WHERE id = %(id)s AND status = 'held'
RETURNING id;

-- name: release
UPDATE appointments SET status = 'released', updated_at = %(now)s WHERE id = %(id)s AND status = 'held';

-- name: get
SELECT p.*, a.name AS adviser, a.title AS adviser_title, a.email AS adviser_email, a.timezone AS adviser_timezone,
       a.buffer_minutes, k.first_name, k.last_name, k.phone, c.name AS campaign, 0 AS sequence
FROM appointments p
JOIN advisers a ON a.id = p.adviser_id
LEFT JOIN contacts k ON k.id = p.contact_id
LEFT JOIN campaigns c ON c.id = p.campaign_id
WHERE p.id = %(id)s;

-- name: list
SELECT p.*, a.name AS adviser, a.timezone AS adviser_timezone, k.first_name, k.last_name, k.phone,
       c.name AS campaign
FROM appointments p
JOIN advisers a ON a.id = p.adviser_id
LEFT JOIN contacts k ON k.id = p.contact_id
LEFT JOIN campaigns c ON c.id = p.campaign_id
WHERE p.status = 'confirmed' AND p.ends_at > %(since)s
  AND (%(adviser)s = '' OR a.name = %(adviser)s)
ORDER BY p.starts_at;

-- name: for_call
SELECT p.*, a.name AS adviser, a.title AS adviser_title FROM appointments p JOIN advisers a ON a.id = p.adviser_id
WHERE p.call_id = %(call_id)s AND p.status = 'confirmed';

-- name: cancel
UPDATE appointments SET status = 'cancelled', note = btrim(note || ' ' || %(note)s), updated_at = %(now)s
WHERE id = %(id)s AND status = 'confirmed'
RETURNING id;

-- name: move
UPDATE appointments
SET starts_at = %(starts_at)s, ends_at = %(ends_at)s, blocked_until = %(blocked_until)s, updated_at = %(now)s
WHERE id = %(id)s AND status = 'confirmed'
RETURNING id;

-- name: audit
INSERT INTO audit_log (actor, action, target, details) VALUES (%(actor)s, %(action)s, %(target)s, %(details)s);
